package ateliers

import (
	"os"
	"testing"

	"github.com/Khan/genqlient/generate"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// genqlient only asks for a binding when an operation selects a field of that scalar; this
// test asks for one for every scalar of the schema, so that a new scalar is mapped here the
// day it is added, before an operation needs it.
func TestEveryScalarHasABinding(t *testing.T) {
	config, err := generate.ReadAndValidateConfig("genqlient.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range config.Schema {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := parser.ParseSchema(&ast.Source{Name: file, Input: string(text)})
		if err != nil {
			t.Fatal(err)
		}
		for _, def := range doc.Definitions {
			if def.Kind != ast.Scalar {
				continue
			}
			if _, ok := config.Bindings[def.Name]; !ok {
				t.Errorf("scalar %s of %s has no binding in genqlient.yaml: add one (a JSON string: string, or time.Time for RFC 3339)", def.Name, file)
			}
		}
	}
}
