"""Our own call analysis (docs/analytics.md): what the voice provider leaves empty, computed from
the transcript offline on the CPU. One module per figure, each pure (text in, result out)."""
