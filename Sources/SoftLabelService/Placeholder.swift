// SoftLabelService
