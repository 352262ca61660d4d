// Package mailtest runs a real SMTP server in the test's process (emersion/go-smtp), so that
// the mail a test sends crosses the protocol as it would to a relay, and is kept for checking.
package mailtest

import (
	"io"
	"net"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// Mail is one message as the server received it.
type Mail struct {
	From string
	To   []string
	Data []byte // the message, headers and body, as sent
}

// Server is a local SMTP server; its zero value is not usable: call Start.
type Server struct {
	Addr string // host:port

	mu     sync.Mutex
	mails  []Mail
	refuse *smtp.SMTPError // answered to RCPT TO while set
}

// Start serves SMTP on a loopback port until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: ln.Addr().String()}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// Mails returns what the server has received.
func (s *Server) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

// Refuse makes the server answer every recipient with code (4xx: try later, 5xx: never), or
// accept them again with code 0.
func (s *Server) Refuse(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = nil
	if code != 0 {
		s.refuse = &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: "refused by the test"}
	}
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s    *Server
	mail Mail
}

func (x *session) AuthMechanisms() []string { return nil }
func (x *session) Reset()                   { x.mail = Mail{} }
func (x *session) Logout() error            { return nil }

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.mail.From = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if x.s.refuse != nil {
		return x.s.refuse
	}
	x.mail.To = append(x.mail.To, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.mail.Data = b
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	x.s.mails = append(x.s.mails, x.mail)
	return nil
}
