// The GlassboxLanguage module. See README.md for the module map.
