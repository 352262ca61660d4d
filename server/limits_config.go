package main

import "github.com/regiestains/ateliers/limits"

// limitVar is a limit set by an environment variable, a positive whole number.
type limitVar struct {
	name string
	set  func(n int)
}

// limitVars lists the variables of the limits in l; every one has its default in
// limits.DefaultLimits and its line in the README's "Limits and errors" table. A budget is a
// burst and a rate: cost points per second, registrations per hour.
func limitVars(l *limits.Limits) []limitVar {
	vars := []limitVar{
		{"PARSER_TOKEN_LIMIT", func(n int) { l.ParserTokens = n }},
		{"DEPTH_LIMIT", func(n int) { l.Depth = n }},
		{"SELECTION_LIMIT", func(n int) { l.Selections = n }},
	}
	for _, kind := range []struct {
		suffix string
		l      *limits.CallerLimits
	}{{"ANONYMOUS", &l.Anonymous}, {"KEY", &l.Key}} {
		cl := kind.l
		vars = append(vars,
			limitVar{"QUERY_COST_LIMIT_" + kind.suffix, func(n int) { cl.QueryCost = n }},
			limitVar{"COST_BURST_" + kind.suffix, func(n int) { cl.Cost.Burst = float64(n) }},
			limitVar{"COST_PER_SECOND_" + kind.suffix, func(n int) { cl.Cost.PerSecond = float64(n) }},
			limitVar{"REGISTRATION_BURST_" + kind.suffix, func(n int) { cl.Registrations.Burst = float64(n) }},
			limitVar{"REGISTRATIONS_PER_HOUR_" + kind.suffix, func(n int) { cl.Registrations.PerSecond = float64(n) / 3600 }},
		)
	}
	return vars
}
