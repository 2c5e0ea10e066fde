// The GlassboxFigures module. See README.md for the module map.
