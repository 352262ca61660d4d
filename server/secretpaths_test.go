package main

import "testing"

// What the log and the traces record of a path: the private calendars' secrets never, however
// the path is written; the public feeds' ids and every other path as they are.
func TestLoggedPathHidesCalendarSecrets(t *testing.T) {
	const secret = "ateliers_T2tEY4b6Xk1m3QpZs9vWc0rLd8hJf7gNa5uEoYi2kR4"
	for path, want := range map[string]string{
		"/calendar/referrals/" + secret + ".ics":          "/calendar/referrals/<secret>",
		"/calendar/registrations/" + secret + ".ics":      "/calendar/registrations/<secret>",
		"/calendar//referrals/" + secret + ".ics":         "/calendar/referrals/<secret>",
		"/calendar/referrals/../referrals/" + secret:      "/calendar/referrals/<secret>",
		"/Calendar/Referrals/" + secret + ".ics":          "/calendar/Referrals/<secret>",
		"/calendar/" + secret + ".ics":                    "/calendar/<secret>",
		"/calendar/venues/" + secret + ".ics":             "/calendar/venues/<secret>",
		"/calendar/venues/a/" + secret + ".ics":           "/calendar/venues/<secret>",
		"/calendar/venues/VmVudWU6MQ.ics":                 "/calendar/venues/VmVudWU6MQ.ics",
		"/calendar/organisations/T3JnYW5pc2F0aW9uOjE.ics": "/calendar/organisations/T3JnYW5pc2F0aW9uOjE.ics",
		"/graphql":             "/graphql",
		"/graphiql/app.js":     "/graphiql/app.js",
		"/":                    "/",
		"/calendars/" + secret: "/calendars/" + secret, // no route: 404, nothing to hide
	} {
		if got := loggedPath(path); got != want {
			t.Errorf("loggedPath(%q) = %q, want %q", path, got, want)
		}
	}
}
