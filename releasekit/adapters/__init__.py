"""One module per outside tool: mechanism, no policy. Commands run through adapters.shell.Shell."""
