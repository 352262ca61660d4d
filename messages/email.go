package messages

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTP sends email through an SMTP server (a relay of the organisation's, or a transactional
// email service's): go-mail speaks the protocol, STARTTLS and authentication.
type SMTP struct {
	from    string
	domain  string // of from, for the Message-ID
	options []gomail.Option
	host    string
}

// NewSMTP reads an SMTP_URL, smtp://user:password@host:port (STARTTLS required) or
// smtps://… (TLS from the start); ?tls=none allows a server without TLS (a local one, for
// tests and development only). from is the sender's address.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("SMTP_URL: %w", err)
	}
	addr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("MAIL_FROM: %w", err)
	}
	s := &SMTP{from: from, host: u.Hostname(), options: []gomail.Option{gomail.WithTimeout(10 * time.Second)}}
	s.domain = addr.Address[strings.LastIndex(addr.Address, "@")+1:]
	port := 587
	switch u.Scheme {
	case "smtp":
		if u.Query().Get("tls") == "none" {
			s.options = append(s.options, gomail.WithTLSPolicy(gomail.NoTLS))
		} else {
			s.options = append(s.options, gomail.WithTLSPolicy(gomail.TLSMandatory))
		}
	case "smtps":
		port = 465
		s.options = append(s.options, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("SMTP_URL: scheme %q, want smtp or smtps", u.Scheme)
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("SMTP_URL: port %q", p)
		}
	}
	s.options = append(s.options, gomail.WithPort(port))
	if u.User != nil {
		pw, _ := u.User.Password()
		s.options = append(s.options, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(pw))
	}
	if s.host == "" {
		return nil, errors.New("SMTP_URL: no host")
	}
	return s, nil
}

// Send sends one message in plain text, UTF-8, quoted-printable. Its Message-ID is made of our
// message's id, so that a message sent again after a crash is recognisably the same one.
func (s *SMTP) Send(ctx context.Context, m Outgoing) (string, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(s.from); err != nil {
		return "", Permanent(fmt.Errorf("from: %w", err))
	}
	if err := msg.To(m.To); err != nil {
		return "", Permanent(fmt.Errorf("the address is not valid: %w", err))
	}
	msg.Subject(m.Text.Subject)
	id := fmt.Sprintf("message-%d@%s", m.MessageID, s.domain)
	msg.SetMessageIDWithValue(id)
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text.Body)
	c, err := gomail.NewClient(s.host, s.options...)
	if err != nil {
		return "", Permanent(err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		var se *gomail.SendError
		if errors.As(err, &se) && !se.IsTemp() && se.Reason == gomail.ErrSMTPRcptTo {
			return "", Permanent(err) // the server refuses this recipient for good (5xx)
		}
		return "", err
	}
	return "<" + id + ">", nil
}
