package main

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"testing"
)

// seededPersonalData matches the personal data and secrets the tests send: participants'
// names (person, rulesPerson, the privacy sentinels), phone numbers in E.164 and national form,
// email addresses, and API keys or management tokens.
var seededPersonalData = regexp.MustCompile(`Diallo|Sentinelle|Quenouille|Zébulon|Zéphyrine|Moussa|` +
	`\+33[1-9]\d{8}|\b0[1-9](?:[ .]?\d{2}){4}\b|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]{2,}|` +
	`ateliers_[A-Za-z0-9_-]{40,}|Bearer `)

// TestMain runs the suite with every line the server logs kept in a file as well as on stderr,
// then searches the file for the personal data and secrets the tests seeded: the logs of a
// whole suite, refusals, conflicts, panics and internal errors included, must hold none.
// (Tests that capture the logs themselves, like the privacy tests, check their own.)
func TestMain(m *testing.M) {
	f, err := os.CreateTemp("", "ateliers-server-log-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer os.Remove(f.Name())
	slog.SetDefault(slog.New(slog.NewTextHandler(io.MultiWriter(f, os.Stderr), &slog.HandlerOptions{Level: slog.LevelDebug})))
	code := m.Run()
	if leaks, lines := scanLog(f); len(leaks) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d of %d log lines of the suite hold seeded personal data or secrets:\n", len(leaks), lines)
		for _, l := range leaks {
			fmt.Fprintln(os.Stderr, "  ", l)
		}
		code = 1
	} else {
		fmt.Fprintf(os.Stderr, "log check: %d log lines of the suite, no seeded personal data or secret\n", lines)
	}
	f.Close()
	os.Exit(code)
}

// scanLog returns the lines of the log file that match seededPersonalData, and how many
// lines it read.
func scanLog(f *os.File) (leaks []string, lines int) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return []string{"cannot read the log: " + err.Error()}, 0
	}
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		lines++
		if seededPersonalData.Match(s.Bytes()) {
			leaks = append(leaks, s.Text())
		}
	}
	return leaks, lines
}
