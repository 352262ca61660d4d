package graph

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/core"
)

// Strict coercion of every input value, in the document and in the variables alike, before
// anything runs. Two gaps of the libraries made it necessary:
//   - gqlparser matches a variable's enum value in any case (strings.EqualFold) and takes an
//     integer for one, and gqlgen then passes on what it got: a `"topics": ["email"]` was stored
//     as `email`, served back to everyone, and never found by `topics: [EMAIL]`;
//   - a custom scalar was coerced only when its field ran, so a bad one answered 200 with a field
//     error, unlike every other coercion failure, and a String reached SQL with NUL bytes.
//
// Here an enum value is exactly one of the schema's names, a custom scalar goes through its
// own Unmarshal function, and every String through checkText. A refusal is a validation error
// (GRAPHQL_VALIDATION_FAILED, 422) that names the place and never quotes the value.

// inputScalars coerce the scalars the schema reads, as the generated code will do again when
// the value reaches its resolver. TestEveryInputScalarIsCoerced holds it to the schema.
var inputScalars = map[string]func(any) error{
	"String":        func(v any) error { return textScalar(v) },
	"Int":           intScalar,
	"Float":         floatScalar,
	"Boolean":       boolScalar,
	"ID":            idScalar,
	"DateTime":      func(v any) error { _, err := UnmarshalDateTime(v); return err },
	"LocalDateTime": func(v any) error { var l LocalDateTime; return l.UnmarshalGQL(v) },
	"Date":          func(v any) error { _, err := UnmarshalDate(v); return err },
	"PhoneNumber":   func(v any) error { _, err := UnmarshalPhoneNumber(v); return err },
	"Email":         func(v any) error { _, err := UnmarshalEmail(v); return err },
	"PostalCode":    func(v any) error { _, err := UnmarshalPostalCode(v); return err },
	"URL":           func(v any) error { _, err := UnmarshalURL(v); return err },
}

// errControlCharacters is the refusal of a text holding a control character.
var errControlCharacters = errBadInput("text must not contain control characters (tabs and line breaks are allowed)")

// checkText is the one rule on control characters, for every text the API reads: none but
// tabs and line breaks (a NUL byte cannot even be stored in PostgreSQL's text).
func checkText(s string) error {
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' }) {
		return errControlCharacters
	}
	return nil
}

// textScalar checks a String; gqlparser has already refused what is not a string.
func textScalar(v any) error {
	if s, ok := v.(string); ok {
		return checkText(s)
	}
	return nil
}

// The built-in scalars, as the spec coerces them: gqlparser let a variable's string through
// as an Int ("0612345678" became 612345678), which gqlgen then parsed.
var (
	errInt     = errBadInput("Int must be a whole number from -2147483648 to 2147483647, written as a JSON number (not a string)")
	errFloat   = errBadInput("Float must be written as a JSON number (not a string)")
	errBoolean = errBadInput("Boolean must be true or false")
	errID      = errBadInput("ID must be a string")
)

func intScalar(v any) error {
	var n int64
	switch v := v.(type) {
	case json.Number:
		i, err := v.Int64()
		if err != nil {
			return errInt
		}
		n = i
	case int64:
		n = v
	case int:
		n = int64(v)
	default:
		return errInt
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		return errInt
	}
	return nil
}

func floatScalar(v any) error {
	switch v := v.(type) {
	case json.Number:
		if _, err := v.Float64(); err != nil {
			return errFloat
		}
	case float64, int64, int:
	default:
		return errFloat
	}
	return nil
}

func boolScalar(v any) error {
	if _, ok := v.(bool); !ok {
		return errBoolean
	}
	return nil
}

// idScalar takes a string, or an integer as the spec allows for input.
func idScalar(v any) error {
	switch v := v.(type) {
	case string:
		return checkText(v)
	case json.Number:
		if _, err := v.Int64(); err != nil {
			return errID
		}
	case int64, int:
	default:
		return errID
	}
	return nil
}

// strictLiteralsRule is a validation rule: the literal values of custom scalars and strings in
// the document coerce, or the document is refused. gqlparser checks literal enum values
// exactly already.
var strictLiteralsRule = core.Rule{Name: "StrictLiterals", RuleFunc: func(o *core.Events, addError core.AddErrFunc) {
	o.OnValue(func(_ *core.Walker, v *ast.Value) {
		if v.Definition == nil || v.Definition.Kind != ast.Scalar {
			return
		}
		switch v.Kind {
		case ast.Variable, ast.NullValue, ast.ListValue, ast.ObjectValue:
			return // the variable is checked with its value; a list's items come one by one
		}
		coerce := inputScalars[v.Definition.Name]
		if coerce == nil {
			return
		}
		val, err := v.Value(nil)
		if err == nil {
			err = coerce(val)
		}
		if err != nil {
			addError(core.Message("%s", safeMessage(err, v.Definition.Name)), core.At(v.Position))
		}
	})
}}

// safeMessage is the message of a coercion error: ours say what to send, anything else is
// replaced, since it may quote the value.
func safeMessage(err error, typ string) string {
	var coded *codedError
	if errors.As(err, &coded) {
		return coded.message
	}
	return "the value is not a valid " + typ
}

// strictVariables checks the variables' values against their declared types, once gqlparser
// has coerced them (defaults applied) and before any resolver runs.
type strictVariables struct{ schema *ast.Schema }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = &strictVariables{}

func (*strictVariables) ExtensionName() string { return "StrictVariables" }

func (e *strictVariables) Validate(es graphql.ExecutableSchema) error {
	e.schema = es.Schema()
	return nil
}

func (e *strictVariables) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	for _, def := range opCtx.Operation.VariableDefinitions {
		path := ast.Path{ast.PathName("variable"), ast.PathName(def.Variable)}
		if err := e.check(def.Type, opCtx.Variables[def.Variable], path); err != nil {
			errcode.Set(err, errcode.ValidationFailed)
			return err
		}
	}
	return nil
}

// check walks one value along its type.
func (e *strictVariables) check(t *ast.Type, v any, path ast.Path) *gqlerror.Error {
	if v == nil || t == nil {
		return nil // gqlparser has refused a null where the type forbids one
	}
	if t.Elem != nil {
		items, ok := v.([]any)
		if !ok { // a single value stands for a list of one
			return e.check(t.Elem, v, path)
		}
		for i, item := range items {
			if err := e.check(t.Elem, item, at(path, ast.PathIndex(i))); err != nil {
				return err
			}
		}
		return nil
	}
	def := e.schema.Types[t.NamedType]
	if def == nil {
		return nil
	}
	switch def.Kind {
	case ast.Enum:
		if s, ok := v.(string); !ok || def.EnumValues.ForName(s) == nil {
			return gqlerror.ErrorPathf(path, "the value is not one of the %s values: send one of %s, spelled exactly so",
				def.Name, strings.Join(enumNames(def), ", "))
		}
	case ast.Scalar:
		if coerce := inputScalars[def.Name]; coerce != nil {
			if err := coerce(v); err != nil {
				return gqlerror.ErrorPathf(path, "%s", safeMessage(err, def.Name))
			}
		}
	case ast.InputObject:
		fields, _ := v.(map[string]any)
		for _, f := range def.Fields {
			if err := e.check(f.Type, fields[f.Name], at(path, ast.PathName(f.Name))); err != nil {
				return err
			}
		}
	}
	return nil
}

// at is path with one more element, in a slice of its own.
func at(path ast.Path, el ast.PathElement) ast.Path {
	return append(slices.Clip(path), el)
}

func enumNames(def *ast.Definition) []string {
	names := make([]string, len(def.EnumValues))
	for i, v := range def.EnumValues {
		names[i] = v.Name
	}
	return names
}
