// The GlassboxData module. See README.md for the module map.
