package graph

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/regiestains/ateliers/db"
)

// Stable codes of protocol, auth and internal errors (extensions.code), as the README's error table lists them.
const (
	codeUnauthenticated = "UNAUTHENTICATED"
	codeForbidden       = "FORBIDDEN"
	codeBadUserInput    = "BAD_USER_INPUT"
	codeBadRequest      = "BAD_REQUEST"
	codeTimeout         = "TIMEOUT"
	codeInternal        = "INTERNAL_SERVER_ERROR"
	// codeConflict: retry the same request shortly (a key in flight, a busy slot).
	codeConflict = "CONFLICT"
	// codeUnavailable: the database cannot be reached; retry the same request later.
	codeUnavailable = "SERVICE_UNAVAILABLE"
)

// codedError is an error whose message is safe to show to clients, with its code.
type codedError struct {
	code, message string
}

func (e *codedError) Error() string { return e.message }

func errForbidden(msg string) error       { return &codedError{codeForbidden, msg} }
func errUnauthenticated(msg string) error { return &codedError{codeUnauthenticated, msg} }
func errBadInput(msg string) error        { return &codedError{codeBadUserInput, msg} }
func errConflict(msg string) error        { return &codedError{codeConflict, msg} }

// unavailable is the error a client gets when the database is unreachable: retryable, with no
// driver text (which names hosts, users and databases).
func unavailable(ctx context.Context, err error) *gqlerror.Error {
	slog.WarnContext(ctx, "database unavailable", "request_id", RequestID(ctx), "err", err)
	verdictOf(ctx).unavailable.Store(true) // 503 when no data is left to show (status.go)
	e := graphql.DefaultErrorPresenter(ctx, err)
	e.Message = "the service is temporarily unavailable; retry later"
	e.Extensions = map[string]any{"code": codeUnavailable}
	return e
}

// PresentError turns a resolver's error into what the client sees. Errors we made for clients
// keep their message and code; gqlgen's own (parse, validation, coercion) keep theirs; anything
// else is masked as "internal error" with the request id, and its cause is logged, so that no
// SQL, driver message or stack reaches a client.
func PresentError(ctx context.Context, err error) *gqlerror.Error {
	var coded *codedError
	gqlErr, isGQL := err.(*gqlerror.Error)
	failure := db.Failure(err)
	if rootMessage(err) == "introspection disabled" { // gqlgen's, with INTROSPECTION=off
		coded = &codedError{codeForbidden, "introspection is turned off on this server"}
	}
	switch {
	case coded != nil || errors.As(err, &coded):
		e := graphql.DefaultErrorPresenter(ctx, err)
		e.Message = coded.message
		e.Extensions = map[string]any{"code": coded.code}
		return e
	case errors.Is(failure, db.ErrBusy): // lock_timeout passed, serialization failure, deadlock
		e := graphql.DefaultErrorPresenter(ctx, err)
		e.Message = "the object is busy; retry in a moment"
		e.Extensions = map[string]any{"code": codeConflict}
		return e
	case ctx.Err() == nil && errors.Is(failure, db.ErrUnavailable):
		return unavailable(ctx, err)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(failure, db.ErrCanceled) || // statement_timeout, or cancelled at the deadline
		errors.Is(ctx.Err(), context.DeadlineExceeded) && errors.Is(failure, db.ErrUnavailable): // connection dropped at the deadline
		e := graphql.DefaultErrorPresenter(ctx, err)
		e.Message = "the operation took too long; try again"
		e.Extensions = map[string]any{"code": codeTimeout}
		return e
	case errors.Is(failure, db.ErrUnavailable):
		return unavailable(ctx, err)
	case isGQL && strings.HasPrefix(gqlErr.Message, "json request body could not be decoded"):
		// gqlgen quotes the whole body in this message: never echo a request, it may hold
		// personal data or a key.
		batch := strings.Contains(strings.SplitN(gqlErr.Message, " body:", 2)[0], "unmarshal array")
		gqlErr.Message = "the request body is not a JSON object like {\"query\": \"...\", \"variables\": {}}"
		if batch {
			gqlErr.Message = "batches (JSON arrays) are not supported: send one operation per request"
		}
		gqlErr.Extensions = map[string]any{"code": codeBadRequest}
		return gqlErr
	case isGQL && gqlErr.Err == nil:
		// gqlgen's own errors (parse, validation, variable coercion), made from the request
		// alone. A resolver's error arrives wrapped (Err set) and is not shown unless coded.
		gqlErr.Message = redactValues(gqlErr.Message)
		if gqlErr.Extensions == nil || gqlErr.Extensions["code"] == nil {
			gqlErr.Extensions = map[string]any{"code": codeBadUserInput}
		}
		return gqlErr
	}
	id := RequestID(ctx)
	slog.ErrorContext(ctx, "internal error", "request_id", id, "err", err)
	e := graphql.DefaultErrorPresenter(ctx, err)
	e.Message = "internal error (request " + id + ")"
	e.Extensions = map[string]any{"code": codeInternal, "requestId": id}
	return e
}

// valueInMessage matches the parts of gqlparser's messages that quote a value from the request
// (a variable or a literal), which may be a phone number or a name: errors name the field
// and the expected type, never what was sent.
var valueInMessage = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`^.* is not a valid (\w+)$`), "the value is not a valid $1"},
	{regexp.MustCompile(`(cannot represent [^:]*): .*$`), "$1."},
	{regexp.MustCompile(`^Value ".*" does not exist in "([^"]+)" enum\.`), `Value does not exist in "$1" enum.`},
	{regexp.MustCompile(`cannot use value .* as (\w+)`), "cannot use this value as $1"},
	{regexp.MustCompile(`(Expected value of type "[^"]*"), found .*\.$`), "$1."},
	{regexp.MustCompile(`^(Unexpected \w+) ".*"`), "$1"},
	{regexp.MustCompile(`(?s)^operation .* not found$`), "operation not found: operationName names no operation of the document"},
}

func redactValues(msg string) string {
	for _, v := range valueInMessage {
		msg = v.re.ReplaceAllString(msg, v.with)
	}
	return msg
}

// rootMessage is the message of the innermost error err wraps.
func rootMessage(err error) string {
	for errors.Unwrap(err) != nil {
		err = errors.Unwrap(err)
	}
	return err.Error()
}
