// The GlassboxModels module. See README.md for the module map.
