// SoftLabelWire
