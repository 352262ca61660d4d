// Command example calls the API through the generated client: it prints the next slots with
// free seats in Stains (93240) and, with -register, registers a sample person on the first one
// (which creates a registration: use it on a test database).
//
//	go run ./example [-url http://localhost:8080/graphql] [-register]
//
// ATELIERS_API_KEY, when set, is sent as `Authorization: Bearer <key>`; without it the calls
// are anonymous, as from the public website.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"

	"github.com/Khan/genqlient/graphql"

	ateliers "github.com/regiestains/ateliers/clients/go"
)

func main() {
	url := flag.String("url", "http://localhost:8080/graphql", "the API's GraphQL endpoint")
	register := flag.Bool("register", false, "register a sample person on the first slot")
	flag.Parse()

	httpClient := http.DefaultClient
	if key := os.Getenv("ATELIERS_API_KEY"); key != "" {
		httpClient = &http.Client{Transport: bearer{key: key, next: http.DefaultTransport}}
	}
	client := graphql.NewClient(*url, httpClient)
	if err := run(context.Background(), client, *register); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, client graphql.Client, register bool) error {
	page, err := ateliers.Availability(ctx, client, []string{"93240"}, true, 5, nil)
	if err != nil {
		return fmt.Errorf("availability: %w", err)
	}
	if len(page.Slots.Edges) == 0 {
		fmt.Println("no slot with free seats")
		return nil
	}
	for _, edge := range page.Slots.Edges {
		s := edge.Node
		fmt.Printf("%s  %s %s-%s  %s (%s) at %s: %d seats left\n", s.Id, s.StartsAt.Format("2006-01-02"),
			s.StartsAt.Format("15:04"), s.EndsAt.Format("15:04"), s.Workshop.Title, topics(s.Workshop.Topics),
			s.Venue.Name, s.SeatsLeft)
	}
	if !register {
		return nil
	}

	phone, joinWaitlist := "06 12 34 56 78", true
	resp, err := ateliers.Register(ctx, client, ateliers.RegisterInput{
		SlotId:       page.Slots.Edges[0].Node.Id,
		JoinWaitlist: &joinWaitlist,
		Participant: ateliers.ParticipantInput{
			FirstName:      "Awa",
			LastName:       "Diallo",
			Phone:          &phone,
			Consent:        true,
			ConsentVersion: "2026-11",
		},
	})
	if err != nil {
		return fmt.Errorf("register: %w", err)
	}
	for _, e := range resp.Register.UserErrors {
		fmt.Printf("refused: %s %s: %s\n", e.Code, strings.Join(e.Field, "."), e.Message)
	}
	if r := resp.Register.Registration; r != nil {
		fmt.Printf("registration %s, confirmation code %s", r.Status, r.ConfirmationCode)
		if r.WaitlistPosition != nil {
			fmt.Printf(", waiting list position %d", *r.WaitlistPosition)
		}
		fmt.Println()
	}
	return nil
}

func topics(ts []ateliers.Topic) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// bearer sends an API key with every request.
type bearer struct {
	key  string
	next http.RoundTripper
}

func (b bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+b.key)
	return b.next.RoundTrip(req)
}
