// Tests for GlassboxData.
