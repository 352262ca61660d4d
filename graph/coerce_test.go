package graph

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
)

// An enum value is exactly one of the schema's names: any other spelling, or a number, is
// refused while variables are checked, before any resolver (and so any SQL) runs.
func TestEnumVariablesTakeOnlyTheSchemasSpelling(t *testing.T) {
	schema := NewExecutableSchema(Config{}).Schema()
	check := &strictVariables{schema: schema}
	for name, def := range schema.Types {
		if def.Kind != ast.Enum || strings.HasPrefix(name, "__") {
			continue
		}
		typ := ast.NonNullNamedType(name, nil)
		for _, v := range def.EnumValues {
			if err := check.check(typ, v.Name, nil); err != nil {
				t.Errorf("%s: %s refused: %v", name, v.Name, err)
			}
			for _, wrong := range []any{strings.ToLower(v.Name), strings.ToUpper(v.Name[:1]) + strings.ToLower(v.Name[1:]),
				" " + v.Name, v.Name + "\x00", json.Number("1"), 1, true} {
				if err := check.check(typ, wrong, nil); err == nil {
					t.Errorf("%s: %#v accepted, want it refused", name, wrong)
				} else if s, ok := wrong.(string); ok && strings.Trim(s, " \x00") != v.Name && strings.Contains(err.Message, s) {
					t.Errorf("%s: the message %q quotes the value sent", name, err.Message)
				}
			}
		}
		list := ast.ListType(typ, nil)
		if err := check.check(list, []any{def.EnumValues[0].Name, strings.ToLower(def.EnumValues[0].Name)}, nil); err == nil {
			t.Errorf("%s: a list with a lower-case item accepted", name)
		}
	}
}

// Every scalar the schema reads is coerced before anything runs: the custom ones by their
// Unmarshal function, String by checkText, the other built-in ones as the spec says (a string
// is not an Int, whatever digits it holds).
func TestEveryInputScalarIsCoerced(t *testing.T) {
	schema := NewExecutableSchema(Config{}).Schema()
	for name, def := range schema.Types {
		if def.Kind == ast.Scalar && inputScalars[name] == nil {
			t.Errorf("scalar %s has no entry in inputScalars", name)
		}
	}
	for _, s := range []string{"a\x00b", "\x1b[31m", "tab\tand\nline\r\nbreaks"} {
		err := inputScalars["String"](s)
		if want := strings.ContainsAny(s, "\x00\x1b"); (err != nil) != want {
			t.Errorf("String %q: got %v, want refused %v", s, err, want)
		}
	}
}

func TestBuiltInScalarsAreNotReadFromStrings(t *testing.T) {
	for _, c := range []struct {
		scalar string
		value  any
		ok     bool
	}{
		{"Int", json.Number("20"), true}, {"Int", int64(-3), true}, {"Int", json.Number("0612345678"), true},
		{"Int", "20", false}, {"Int", "0612345678", false}, {"Int", json.Number("2.5"), false},
		{"Int", json.Number("2147483648"), false}, {"Int", true, false},
		{"Float", json.Number("48.95"), true}, {"Float", "48.95", false},
		{"Boolean", true, true}, {"Boolean", "true", false}, {"Boolean", json.Number("1"), false},
		{"ID", "U2xvdDox", true}, {"ID", json.Number("7"), true}, {"ID", json.Number("7.5"), false}, {"ID", "U2x\x00", false},
	} {
		if err := inputScalars[c.scalar](c.value); (err == nil) != c.ok {
			t.Errorf("%s %#v: got %v, want accepted %t", c.scalar, c.value, err, c.ok)
		}
	}
}
