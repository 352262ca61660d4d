package main

import (
	"log/slog"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/messages"
)

// twilioReceipts takes Twilio's delivery receipts (POST /receipts/twilio?message=ID): a
// receipt whose signature does not match the auth token is refused (403), anyone can post
// here. The URL signed is the one Twilio was given, PUBLIC_URL's, not the one this request
// reached behind a proxy.
func twilioReceipts(c config, pool *pgxpool.Pool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		rc, err := messages.TwilioReceipt(c.TwilioAuthToken, c.PublicURL+r.URL.RequestURI(), r)
		if err != nil {
			slog.WarnContext(r.Context(), "delivery receipt refused", "err", err)
			http.Error(w, "receipt refused", http.StatusForbidden)
			return
		}
		status, reason := db.MessageSent, ""
		switch rc.Status {
		case "delivered":
			status = db.MessageDelivered
		case "undelivered", "failed":
			status, reason = db.MessageFailed, "not delivered (Twilio error "+rc.ErrorCode+")"
		}
		if err := db.RecordReceipt(r.Context(), pool, rc.MessageID, rc.SID, status, reason); err != nil {
			slog.ErrorContext(r.Context(), "record delivery receipt", "message_id", rc.MessageID, "err", err)
			http.Error(w, "try again", http.StatusServiceUnavailable) // Twilio tries again
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
