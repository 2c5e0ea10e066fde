// The GlassboxEngine module. See README.md for the module map.
