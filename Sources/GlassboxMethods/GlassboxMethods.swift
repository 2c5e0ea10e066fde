// The GlassboxMethods module. See README.md for the module map.
