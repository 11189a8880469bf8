"""The README is a test: runs every ```sh and ```python block of README.md, in order, against a
running server, and compares what the README shows with what the blocks print. Called by
scripts/check-readme (which installs the Python packages, builds and starts the server):

    python scripts/readme_check.py --readme README.md --port PORT --bin-dir DIR [--timeout 120]
        [--server-log FILE]

Rules (the same are in scripts/check-readme's header):

- Blocks run in order in one temporary working directory (a block may use a file an earlier one
  wrote), each with a timeout (--timeout seconds, or a `timeout N` marker). sh blocks run in bash
  with PATH starting with --bin-dir and B=--bin-dir (so `$B/softlabel` is the binary under test);
  python blocks run in this interpreter (the venv's) as their own process.
- Rewrites before running: `localhost:8080` and `127.0.0.1:8080` become `127.0.0.1:PORT`, the
  check's own server. A line that starts the service in the background (`scripts/serve ... &`)
  becomes `:` (a no-op), since that server is already running. A command
  `swift build ... && B=$(swift build ... --show-bin-path)` becomes `:` too: the binary under
  test is already built and B already names its folder.
- Markers: HTML comments on the lines right before a block's opening fence.
    <!-- readme-test: skip: REASON -->     not run, reported as skipped with REASON
    <!-- readme-test: tolerance 1e-6 -->   numbers in a transcript's output compared with this
                                           relative tolerance instead of exactly
    <!-- readme-test: timeout 300 -->      this block's timeout in seconds
  A marker that is not right before a sh or python block, or that is not one of these, fails.
- A sh block with `$ ` lines is a transcript: each `$ command` (continued over the next lines
  while it is not complete shell syntax or a line ends in a backslash) runs in one bash, so
  variables carry from one command to the next, and its stdout must equal the lines shown after
  it up to the next `$ ` line (trailing blank lines are separators). A shown line starting with
  `≈` compares its numbers with relative tolerance 1e-6. A command's exit status must be 0,
  unless its last shown line is `exit N` and the command does not print `$?` itself: then that
  line is the expected status, not output.
- A plain sh block (no `$ ` lines) runs with `set -eo pipefail` and must exit 0.
- In a python block, a `print(...)` statement with a comment at the end of its last line must
  print what the comment shows: numbers within rel 1e-5, abs 1e-7 (numpy prints them rounded),
  every other character exactly, whitespace ignored; `...` in the comment stands for anything.
  Otherwise the block must exit 0.

Prints one line per block, `readme: block N (README.md:LINE, LANG): passed | skipped: REASON |
FAILED: WHY` (details indented below a failure), then `readme: N passed, M failed (K skipped)`.
Exits 1 on any failure.
"""
import argparse, ast, contextlib, io, json, math, os, re, signal, subprocess, sys, tempfile, tokenize

MARKER = re.compile(r"^<!--\s*readme-test:\s*(.*?)\s*-->\s*$")
FENCE_OPEN = re.compile(r"^```([A-Za-z0-9_+-]*)\s*$")
RUN_LANGUAGES = {"sh", "python"}
# Numbers as Python's, numpy's and JSON's text writes them: `-0.07`, `1.` (numpy), `1e-05`.
TOKEN = re.compile(r"\.\.\.|[-+]?(?:\d+(?:\.(?!\.\.)\d*)?|\.\d+)(?:[eE][-+]?\d+)?|\S")
NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$")
SERVE_LINE = re.compile(r"^(\s*)scripts/serve\b[^#]*&\s*(#.*)?$")
BUILD_COMMAND = re.compile(r"^\s*swift build\b[^&|;]*&&\s*B=\$\(swift build\b[^)]*--show-bin-path\)\s*$")
PRINTS_STATUS = re.compile(r"\$\?")
EXIT_LINE = re.compile(r"^exit (\d+)$")
NAME = "README.md"  # the README's file name in messages (--readme)


class Block:
    def __init__(self, number, line, language, text, directives):
        self.number, self.line, self.language, self.text = number, line, language, text
        self.skip = self.tolerance = self.timeout = None
        self.errors = []
        for where, directive in directives:
            if m := re.fullmatch(r"skip:?\s+(.+)", directive):
                self.skip = m.group(1)
            elif m := re.fullmatch(r"tolerance\s+(\S+)", directive):
                self.tolerance = float(m.group(1))
            elif m := re.fullmatch(r"timeout\s+(\d+(?:\.\d+)?)", directive):
                self.timeout = float(m.group(1))
            else:
                self.errors.append(f"{NAME}:{where}: unknown readme-test marker {directive!r}")


def parse(readme):
    """The sh and python blocks of the README (with their markers), and marker errors."""
    lines = readme.split("\n")
    blocks, errors, pending, number, i = [], [], [], 0, 0
    while i < len(lines):
        line = lines[i]
        if m := MARKER.match(line):
            pending.append((i + 1, m.group(1)))
            i += 1
            continue
        if m := FENCE_OPEN.match(line):
            language, start = m.group(1), i + 1
            i += 1
            body = []
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            if language in RUN_LANGUAGES:
                number += 1
                blocks.append(Block(number, start, language, body, pending))
            elif pending:
                errors.append(f"{NAME}:{pending[0][0]}: readme-test marker before a ```{language} block, "
                              "which is not run")
            pending = []
            i += 1
            continue
        if pending:
            errors.append(f"{NAME}:{pending[0][0]}: readme-test marker not right before a sh or python block")
            pending = []
        i += 1
    return blocks, errors


def rewrite(text, port):
    return text.replace("localhost:8080", f"127.0.0.1:{port}").replace("127.0.0.1:8080", f"127.0.0.1:{port}")


def rewrite_sh_line(line):
    if m := SERVE_LINE.match(line):
        return m.group(1) + ":  # readme-test: the check's own server is running"
    if BUILD_COMMAND.match(line):
        return ":  # readme-test: the binary under test is built and B names its folder"
    return line


def complete_shell(text):
    if text.endswith("\\"):
        return False
    return subprocess.run(["bash", "-n", "-c", text], capture_output=True).returncode == 0


def run_process(args, cwd, env, timeout):
    """(status, stdout, stderr) of args; status None when it timed out (its process group killed)."""
    process = subprocess.Popen(args, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = process.communicate(timeout=timeout)
        return process.returncode, out, err
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        return None, out, err


def tail(data, n=25):
    text = data.decode(errors="replace") if isinstance(data, bytes) else data
    lines = text.rstrip("\n").split("\n")
    return "\n".join(("    " + l) for l in lines[-n:]) if text.strip() else "    (nothing)"


# ---------- comparisons

def numbers_close(a, b, rel, abs_):
    x, y = float(a), float(b)
    if math.isinf(x) or math.isinf(y):
        return x == y
    return abs(x - y) <= abs_ + rel * max(abs(x), abs(y))


def tokens_equal(expected, actual, rel, abs_):
    if NUMBER.match(expected) and NUMBER.match(actual):
        return numbers_close(expected, actual, rel, abs_)
    return expected == actual


def line_matches(expected, actual, rel):
    """A transcript line: exact text, or with rel > 0 the same text between numbers within rel."""
    if rel == 0:
        return expected == actual
    split = re.compile(r"([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)")
    e, a = split.split(expected), split.split(actual)
    if len(e) != len(a):
        return False
    for k, (x, y) in enumerate(zip(e, a)):
        if k % 2 == 0:
            if x != y:
                return False
        elif not numbers_close(x, y, rel, 0.0):
            return False
    return True


def output_matches(shown, printed, rel=1e-5, abs_=1e-7):
    """A python print: tokens (numbers, other characters; whitespace ignored) of what the comment
    shows against what was printed; `...` in the comment matches any run of tokens."""
    want, got = TOKEN.findall(shown), TOKEN.findall(printed)
    segments, current = [], []
    for token in want:
        if token == "...":
            segments.append(current)
            current = []
        else:
            current.append(token)
    segments.append(current)

    def at(position, segment):
        return position + len(segment) <= len(got) and all(
            tokens_equal(w, g, rel, abs_) for w, g in zip(segment, got[position:position + len(segment)]))

    if len(segments) == 1:
        return len(got) == len(segments[0]) and at(0, segments[0])
    first, middle, last = segments[0], segments[1:-1], segments[-1]
    if not at(0, first):
        return False
    position = len(first)
    for segment in middle:
        while position <= len(got) and not at(position, segment):
            position += 1
        if position > len(got):
            return False
        position += len(segment)
    end = len(got) - len(last)
    return end >= position and at(end, last)


# ---------- sh blocks

def transcript_commands(block):
    """[(line, command, shown output lines)] of a transcript block, or raises ValueError."""
    lines, commands, i = block.text, [], 0
    while i < len(lines) and not lines[i].startswith("$ "):
        if lines[i].strip():
            raise ValueError(f"{NAME}:{block.line + 1 + i}: output before the first `$ ` command")
        i += 1
    while i < len(lines):
        start = i
        command = lines[i][2:]
        i += 1
        while not complete_shell(command):
            if i >= len(lines) or lines[i].startswith("$ "):
                raise ValueError(f"{NAME}:{block.line + 1 + start}: the command is not complete shell syntax")
            command += "\n" + lines[i]
            i += 1
        shown = []
        while i < len(lines) and not lines[i].startswith("$ "):
            shown.append(lines[i])
            i += 1
        while shown and not shown[-1].strip():
            shown.pop()
        commands.append((block.line + 1 + start, command, shown))
    return commands


def run_transcript(block, port, work, env, timeout):
    try:
        commands = transcript_commands(block)
    except ValueError as error:
        return [str(error)]
    script = []
    for k, (_, command, _) in enumerate(commands):
        command = "\n".join(rewrite_sh_line(l) for l in rewrite(command, port).split("\n"))
        script.append(f"{{ {command}\n}} >.readme-out.{k} 2>.readme-err.{k}\necho $? >.readme-status.{k}\n")
    path = os.path.join(work, f".readme-block-{block.number}.sh")
    with open(path, "w") as f:
        f.write("".join(script))
    status, out, err = run_process(["bash", path], work, env, timeout)
    failures = []
    if status is None:
        failures.append(f"timed out after {timeout:g} s")
    for k, (line, command, shown) in enumerate(commands):
        def read(name):
            try:
                with open(os.path.join(work, f".readme-{name}.{k}"), "rb") as f:
                    return f.read()
            except FileNotFoundError:
                return None
        stdout, stderr, code = read("out"), read("err"), read("status")
        for name in ("out", "err", "status"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(os.path.join(work, f".readme-{name}.{k}"))
        first = command.split("\n")[0]
        if code is None:
            failures.append(f"{NAME}:{line}: `{first}` did not run")
            continue
        expected_status = 0
        if shown and not PRINTS_STATUS.search(command) and (m := EXIT_LINE.match(shown[-1])):
            expected_status, shown = int(m.group(1)), shown[:-1]
        text = stdout.decode(errors="replace")
        got = [] if text == "" else text[:-1].split("\n") if text.endswith("\n") else text.split("\n")
        ok = len(got) == len(shown)
        if ok:
            for want, have in zip(shown, got):
                rel = block.tolerance or 0.0
                if want.startswith("≈"):
                    want, rel = want[1:].lstrip(), max(rel, 1e-6)
                if not line_matches(want, have, rel):
                    ok = False
        detail = []
        if not ok:
            how = f"numbers to rel {block.tolerance:g}" if block.tolerance else "exact"
            if any(l.startswith("≈") for l in shown):
                how += "; ≈ lines: numbers to rel 1e-6"
            detail.append(f"{NAME}:{line}: `{first}` printed other output than shown ({how})")
            detail.append("    shown:\n" + ("\n".join("      " + l for l in shown) or "      (nothing)"))
            detail.append("    printed:\n" + ("\n".join("      " + l for l in got) or "      (nothing)"))
        if int(code) != expected_status:
            detail.append(f"{NAME}:{line}: `{first}` exited {int(code)}, expected {expected_status}")
        if detail:
            if stderr:
                detail.append("    its stderr:\n" + tail(stderr))
            failures.extend(detail)
    return failures


def run_plain_sh(block, port, work, env, timeout):
    text = "\n".join(rewrite_sh_line(l) for l in rewrite("\n".join(block.text), port).split("\n"))
    path = os.path.join(work, f".readme-block-{block.number}.sh")
    with open(path, "w") as f:
        f.write(text + "\n")
    status, out, err = run_process(["bash", "-eo", "pipefail", path], work, env, timeout)
    if status == 0:
        return []
    why = f"timed out after {timeout:g} s" if status is None else f"exited {status}"
    return [why, "    stdout:\n" + tail(out), "    stderr:\n" + tail(err)]


# ---------- python blocks

def run_python(block, port, work, env, timeout, readme_path):
    source = rewrite("\n".join(block.text), port) + "\n"
    path = os.path.join(work, f".readme-block-{block.number}.py")
    records = path + ".json"
    with open(path, "w") as f:
        f.write(source)
    status, out, err = run_process([sys.executable, os.path.abspath(__file__), "--exec-python", path,
                                    str(block.line + 1), readme_path, records], work, env, timeout)
    failures = []
    if status is None:
        failures.append(f"timed out after {timeout:g} s")
    elif status != 0:
        failures.append(f"exited {status}")
    try:
        with open(records) as f:
            data = json.load(f)
    except (FileNotFoundError, json.JSONDecodeError):
        data = {"expected": [], "printed": {}}
    for line, shown in data["expected"]:
        printed = data["printed"].get(str(line))
        if printed is None:
            failures.append(f"{NAME}:{line}: the print did not run")
        elif not output_matches(shown, printed):
            failures.append(f"{NAME}:{line}: printed {printed.strip()!r}, the README shows {shown!r}")
    if failures:
        failures += ["    stdout:\n" + tail(out), "    stderr:\n" + tail(err)]
    return failures


def exec_python(path, first_line, readme_path, records):
    """Child process: runs a python block with each commented print's output recorded."""
    with open(path) as f:
        source = f.read()
    comments = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.string[1:].strip()
    tree = ast.parse(source, readme_path)
    expected, printed = [], {}

    class Wrap(ast.NodeTransformer):
        def visit_Expr(self, node):
            call = node.value
            if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "print"
                    and node.end_lineno in comments):
                line = node.end_lineno + first_line - 1
                expected.append((line, comments[node.end_lineno]))
                capture = ast.Call(ast.Name("__readme_capture__", ast.Load()), [ast.Constant(line)], [])
                return ast.copy_location(ast.With([ast.withitem(capture)], [node]), node)
            return node

    tree = ast.fix_missing_locations(Wrap().visit(tree))
    ast.increment_lineno(tree, first_line - 1)

    class Tee(io.TextIOBase):
        def __init__(self, real):
            self.real, self.buffer_ = real, io.StringIO()
        def write(self, s):
            self.real.write(s)
            return self.buffer_.write(s)
        def flush(self):
            self.real.flush()

    @contextlib.contextmanager
    def capture(line):
        tee = Tee(sys.stdout)
        with contextlib.redirect_stdout(tee):
            yield
        printed[str(line)] = printed.get(str(line), "") + tee.buffer_.getvalue()

    try:
        exec(compile(tree, readme_path, "exec"), {"__name__": "__main__", "__readme_capture__": capture})
    finally:
        with open(records, "w") as f:
            json.dump({"expected": expected, "printed": printed}, f)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--exec-python":
        path, first_line, readme_path, records = sys.argv[2:6]
        exec_python(path, int(first_line), readme_path, records)
        return 0
    parser = argparse.ArgumentParser()
    parser.add_argument("--readme", default="README.md")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--server-log", help="printed (its last 20 lines) when a block failed")
    args = parser.parse_args()
    global NAME
    readme_path, NAME = os.path.abspath(args.readme), os.path.basename(args.readme)
    with open(readme_path, encoding="utf-8") as f:
        blocks, errors = parse(f.read())
    bin_dir = os.path.abspath(args.bin_dir)
    env = dict(os.environ, B=bin_dir, PYTHONUNBUFFERED="1",
               PATH=os.pathsep.join([bin_dir, os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    passed = failed = skipped = 0
    for error in errors:
        print(f"readme: FAILED: {error}", flush=True)
        failed += 1
    with tempfile.TemporaryDirectory(prefix="readme-check-") as work:
        for block in blocks:
            label = f"readme: block {block.number} ({NAME}:{block.line}, {block.language})"
            if block.errors:
                failures = block.errors
            elif block.skip:
                print(f"{label}: skipped: {block.skip}", flush=True)
                skipped += 1
                continue
            else:
                timeout = block.timeout or args.timeout
                if block.language == "python":
                    failures = run_python(block, args.port, work, env, timeout, readme_path)
                elif any(l.startswith("$ ") for l in block.text):
                    failures = run_transcript(block, args.port, work, env, timeout)
                else:
                    failures = run_plain_sh(block, args.port, work, env, timeout)
            if failures:
                failed += 1
                print(f"{label}: FAILED: {failures[0].strip()}", flush=True)
                for detail in failures[1:]:
                    print(detail if detail.startswith("    ") else "    " + detail, flush=True)
            else:
                passed += 1
                print(f"{label}: passed", flush=True)
    if failed and args.server_log:
        with open(args.server_log, errors="replace") as f:
            print("--- server log (last 20 lines)\n" + "".join(f.readlines()[-20:]), end="", flush=True)
    print(f"readme: {passed} passed, {failed} failed ({skipped} skipped)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
