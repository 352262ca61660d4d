package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// peerSection writes the reads measured in rounds: API, peer and floor, a table per operation
// and client count, with each round's figures and load.
func (r *report) peerSection(w io.Writer) {
	var rows []row
	for _, rw := range r.rows {
		if len(rw.rounds) > 0 {
			rows = append(rows, rw)
		}
	}
	if len(rows) == 0 {
		return
	}
	c := r.config
	peerName := "PostGraphile " + peerVersion
	if c.peer {
		fmt.Fprintf(w, "\n## Peer: %s\n\n", peerName)
		var each []string
		total := 0
		for _, op := range []string{"availability", "slot-node"} {
			if n, ok := r.peerSlots[op]; ok {
				each = append(each, fmt.Sprintf("%s %d", op, n))
				total += n
			}
		}
		fmt.Fprintf(w, "The same reads through [PostGraphile](https://postgraphile.org) %s (bench/peer: Amber preset, schema public, production mode, no GraphiQL, no explain, node-postgres pool of %d connections like the API's; Node %s) on the same database, with the SQL functions of bench/peer/peer.sql for the API's rules: the search, the visibility of a slot, seatsLeft, isOpenForRegistration. Before the runs both answered each of the %d distinct requests of each read: the same slots in the same order with the same values, field by field (ids compared by their database id), %d slots compared (%s).\n\n",
			peerVersion, c.conns, r.peerNode, c.samples, total, strings.Join(each, ", "))
	} else {
		fmt.Fprintf(w, "\n## Rounds\n\nNo peer in this run (-peer=false).\n\n")
	}
	who := "the API, then the peer, then the floor run"
	if !c.peer {
		who = "the API, then the floor run"
	}
	fmt.Fprintf(w, "Medians of %d round(s); in each round %s for %v after %v of warm-up, so that they meet the same load. server CPU/req: the server process's CPU time (user and system, all threads, from /proc) per request, warm-up included; for the floor, the bench process's own (pgx and the load loop). PostgreSQL CPU/req: all the database server's processes. Load: the 1-minute load average after each round.\n",
		c.rounds, who, c.duration, c.warmup)
	for _, rw := range rows {
		a, p, f := rw.apiSample(), rw.peerSample(), rw.floorSample()
		fmt.Fprintf(w, "\n### %s, %d clients\n\n| | req/s | p50 | p99 | errors | server CPU/req | PostgreSQL CPU/req |\n| --- | --: | --: | --: | --: | --: | --: |\n", rw.op, rw.clients)
		line := func(name string, s sample) {
			if !s.measured {
				return
			}
			fmt.Fprintf(w, "| %s | %.0f | %v | %v | %d | %v | %s |\n", name, s.rate, ms(s.p50), ms(s.p99), s.errors, ms(s.cpu), cpuCell(s.pgCPU))
		}
		line("API", a)
		line(peerName, p)
		line("floor", f)
		fmt.Fprintf(w, "\n")
		if p.measured {
			fmt.Fprintf(w, "API/peer req/s %s; ", ratio(a.rate, p.rate))
		}
		fmt.Fprintf(w, "API/floor req/s %s.", ratio(a.rate, f.rate))
		var each []string
		for i, rd := range rw.rounds {
			s := fmt.Sprintf("%d: API %.0f", i+1, rd.api.rate)
			if rd.peer.measured {
				s += fmt.Sprintf(", peer %.0f", rd.peer.rate)
			}
			each = append(each, s+fmt.Sprintf(", floor %.0f, load %s", rd.floor.rate, rd.load))
		}
		fmt.Fprintf(w, " Rounds (req/s): %s.\n", strings.Join(each, "; "))
		if rw.peer.firstErr != "" {
			fmt.Fprintf(w, "\nFirst peer error: `%s`\n", oneLine(rw.peer.firstErr, 200))
		}
	}
	if r.peerRSS > 0 {
		fmt.Fprintf(w, "\nPeak RSS of the peer (VmHWM of the node process, reset before the %d-client runs): %.1f MB (the API's: %.1f MB).\n",
			r.rssClients, float64(r.peerRSS)/1e6, float64(r.peakRSS)/1e6)
	}
}

func cpuCell(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return ms(d).String()
}
