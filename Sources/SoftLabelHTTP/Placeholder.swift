// SoftLabelHTTP
