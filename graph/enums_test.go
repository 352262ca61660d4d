package graph

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	gqlast "github.com/vektah/gqlparser/v2/ast"

	"github.com/regiestains/ateliers/db/dbtest"
)

// enumColumns names the columns that store each enum of the schema. An enum that is not
// stored says why, so that a new enum cannot be forgotten here.
var enumColumns = map[string][]string{
	"OrganisationKind":       {"organisations.kind"},
	"Topic":                  {"workshops.topics"},
	"WorkshopLevel":          {"workshops.level"},
	"Audience":               {"workshops.audiences"},
	"WorkshopStatus":         {"workshops.status", "programmes.status"},
	"SlotStatus":             {"slots.status"},
	"SlotVisibility":         {"slots.visibility"},
	"Scope":                  {"api_keys.scopes"},
	"RegistrationStatus":     {"registrations.status"},
	"AgeBracket":             {"registrations.age_bracket", "equipment_requests.age_bracket"},
	"ContactChannel":         {"registrations.preferred_channel", "orientations.preferred_channel"},
	"Attendance":             {"registrations.attendance"},
	"OutcomeKind":            {"registrations.outcome"},
	"OrientationStatus":      {"orientations.status"},
	"ProgrammeOrderRule":     {"programmes.order_rule"},
	"DeviceKind":             {"devices.kind"},
	"DeviceCondition":        {"devices.condition"},
	"DeviceStatus":           {"devices.status"},
	"Situation":              {"equipment_requests.situation"},
	"EquipmentRequestStatus": {"equipment_requests.status"},
	"HandoverStatus":         {"equipment_handovers.status"},
	"MessageKind":            {"messages.kind"},
	"MessageChannel":         {"messages.channel"},
	"MessageStatus":          {"messages.status"},
	"WebhookEventType":       {"webhook_endpoints.event_types", "webhook_messages.type"},
	"WebhookEndpointStatus":  {"webhook_endpoints.status"},
	"WebhookMessageStatus":   {"webhook_messages.status"},
	"VenueService":           {"venues.services"},
	"VenueAudience":          {"venues.specific_audiences"},
	"SpecificSupport":        {"venues.specific_support"},
	"VenueFee":               {"venues.fees"},
	"AccessMode":             {"venues.access_modes"},
	"SupportMode":            {"venues.support_modes"},
	"VenueMobility":          {"venues.mobility"},
}

var enumsNotStored = map[string]string{
	"UserErrorCode":      "graph's own (models_gen.go), only ever written to clients",
	"OpenDataFormat":     "an argument of importVenues: the form of a file, not stored",
	"AccessibilityNeed":  "a search filter: venues store one boolean per need",
	"EnrolmentStatus":    "derived from the steps and enrolments.cancelled_at (db.Enrolment.Status)",
	"PriorityRule":       "inside equipment_handovers.reasons (jsonb), written by db from its own constants",
	"EnrolmentStepState": "derived from the registrations' status and attendance (db.steps)",
}

// Every enum of the schema is spelled alike in the three places that hold it: the schema's
// values, the Go constants of its type in db/enums.go, and the CHECK of every column that
// stores it. A value missing from one of them would be refused by the database as an
// internal error, or stored and never found.
func TestEnumsAgreeInSchemaGoAndDatabase(t *testing.T) {
	schema := NewExecutableSchema(Config{}).Schema()
	goValues := goEnumConstants(t, "../db/enums.go")
	pool := dbtest.New(t)
	for name, def := range schema.Types {
		if def.Kind != gqlast.Enum || strings.HasPrefix(name, "__") {
			continue
		}
		want := enumNames(def)
		slices.Sort(want)
		if _, ok := enumsNotStored[name]; ok {
			continue
		}
		columns, ok := enumColumns[name]
		if !ok {
			t.Errorf("enum %s: name the columns that store it in enumColumns, or say why none does in enumsNotStored", name)
			continue
		}
		if got := goValues[name]; !slices.Equal(got, want) {
			t.Errorf("enum %s: Go constants of db.%s are %v, want the schema's %v", name, name, got, want)
		}
		for _, column := range columns {
			if got := checkedValues(t, pool, column); !slices.Equal(got, want) {
				t.Errorf("enum %s: the CHECK of %s allows %v, want the schema's %v", name, column, got, want)
			}
		}
	}
}

// goEnumConstants reads the typed string constants of a Go file: type name → sorted values.
func goEnumConstants(t *testing.T, path string) map[string][]string {
	t.Helper()
	file, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, decl := range file.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			vs := spec.(*ast.ValueSpec)
			typ, ok := vs.Type.(*ast.Ident)
			if !ok {
				continue
			}
			for _, v := range vs.Values {
				if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, _ := strconv.Unquote(lit.Value)
					out[typ.Name] = append(out[typ.Name], s)
				}
			}
		}
	}
	for _, values := range out {
		slices.Sort(values)
	}
	return out
}

var quoted = regexp.MustCompile(`'([^']*)'`)

// checkedValues returns the sorted values that the CHECK constraints on table.column alone
// name: a CHECK over several columns (an outcome only for a person PRESENT) ties a column to
// another's values, it does not list its own.
func checkedValues(t *testing.T, pool *pgxpool.Pool, column string) []string {
	t.Helper()
	table, col, _ := strings.Cut(column, ".")
	rows, err := pool.Query(t.Context(), `SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
		WHERE c.contype = 'c' AND c.conrelid = $1::regclass AND a.attname = $2 AND cardinality(c.conkey) = 1`, table, col)
	if err != nil {
		t.Fatal(err)
	}
	defs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var values []string
	for _, def := range defs {
		for _, m := range quoted.FindAllStringSubmatch(def, -1) {
			values = append(values, m[1])
		}
	}
	slices.Sort(values)
	return slices.Compact(values)
}
