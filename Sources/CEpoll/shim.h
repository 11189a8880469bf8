// Linux epoll for SoftLabelHTTP's event loops (<sys/epoll.h> is not part of Swift's Glibc module).
// The event bits as plain uint32_t constants: the header declares them in an enum.
#include <stdint.h>
#include <sys/epoll.h>

static const uint32_t softlabel_epoll_in = EPOLLIN;
static const uint32_t softlabel_epoll_out = EPOLLOUT;
static const uint32_t softlabel_epoll_err = EPOLLERR;
static const uint32_t softlabel_epoll_hup = EPOLLHUP;
