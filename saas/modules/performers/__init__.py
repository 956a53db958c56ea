"""Self-employed performers (issue 17, seed 000): the НПД gateway (status checks and receipts)
and the performer's income arithmetic. Orders, responses, contracts and registries come later."""
