package db

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Workshop is a catalogue entry (atelier).
type Workshop struct {
	ID              int64
	OrganisationID  int64
	Title           string
	Summary         string
	Description     string
	Topics          []Topic
	Level           WorkshopLevel
	DurationMinutes int
	Audiences       []Audience
	WhatToBring     []string
	Languages       []string
	Prerequisites   string
	Resources       []LearningResource
	Status          WorkshopStatus
}

// LearningResource is a link to a learning resource, such as a Les Bons Clics module.
type LearningResource struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// columns are a workshop's columns (alias w), each with the field it fills.
func (w *Workshop) columns() []column {
	return []column{{"ID", "w.id", &w.ID}, {"OrganisationID", "w.organisation_id", &w.OrganisationID},
		{"Title", "w.title", &w.Title}, {"Summary", "w.summary", &w.Summary},
		{"Description", "w.description", &w.Description}, {"Topics", "w.topics", &w.Topics},
		{"Level", "w.level", &w.Level}, {"DurationMinutes", "w.duration_minutes", &w.DurationMinutes},
		{"Audiences", "w.audiences", &w.Audiences}, {"WhatToBring", "w.what_to_bring", &w.WhatToBring},
		{"Languages", "w.languages", &w.Languages}, {"Prerequisites", "w.prerequisites", &w.Prerequisites},
		{"Resources", "w.resources", &w.Resources}, {"Status", "w.status", &w.Status}}
}

var workshopColumns = columnList(new(Workshop).columns())

func scanWorkshop(row pgx.CollectableRow) (Workshop, error) {
	var w Workshop
	err := row.Scan(dests(w.columns())...)
	return w, err
}

// workshopVisible is the rule for who sees a workshop (alias w): everyone once published, its
// own organisation always. Its argument is the caller's organisation id (0 for none).
const workshopVisible = `(w.status = 'PUBLISHED' OR w.organisation_id = $%d)`

// VisibleTo is workshopVisible for a workshop already loaded (a programme's, through a
// loader): the same rule, written twice side by side, and held together by
// TestWorkshopVisibilityIsOneRule.
func (w Workshop) VisibleTo(c Caller) bool {
	return w.Status == StatusPublished || c.MemberOf(w.OrganisationID)
}

// WorkshopsByID returns workshops by id without a visibility rule: for fields of objects the
// caller already may see (a visible slot's workshop is visible).
func WorkshopsByID(ctx context.Context, q Querier, ids []int64) ([]Workshop, error) {
	return queryAll(ctx, q, "workshops by id", scanWorkshop, `SELECT `+workshopColumns+` FROM workshops w WHERE w.id = ANY($1)`, ids)
}

// VisibleWorkshop returns one workshop if the caller may see it, else ErrNotFound.
func VisibleWorkshop(ctx context.Context, q Querier, c Caller, id int64) (Workshop, error) {
	w := where{}
	w.add(workshopVisible, c.OrganisationID)
	w.add("w.id = $%d", id)
	return queryOne(ctx, q, fmt.Sprintf("workshop %d", id), scanWorkshop, `SELECT `+workshopColumns+` FROM workshops w `+w.sql(), w.args...)
}

// WorkshopFilter narrows Workshops; zero values do not filter.
type WorkshopFilter struct {
	Topics          []Topic
	Audiences       []Audience
	OrganisationIDs []int64
	Statuses        []WorkshopStatus // default: published
	Search          string
}

// Workshops lists the workshops the caller may see, by title.
func Workshops(ctx context.Context, q Querier, c Caller, f WorkshopFilter, p Page) ([]Workshop, error) {
	w := workshopWhere(c, f, p)
	sql := `SELECT ` + workshopColumns + ` FROM workshops w ` + w.sql() +
		fmt.Sprintf(` ORDER BY w.title, w.id LIMIT %d`, p.limit())
	return queryAll(ctx, q, "list workshops", scanWorkshop, sql, forValues(w.args)...)
}

// WorkshopsOfOrganisations lists, for each organisation of orgIDs, its workshops the caller
// may see, by title, in one statement: every workshop of the caller's own organisation
// (drafts and archived ones included), the published ones of the others.
func WorkshopsOfOrganisations(ctx context.Context, q Querier, c Caller, orgIDs []int64, p Page) (map[int64][]Workshop, error) {
	// Every status: workshopVisible keeps the published ones only, but for the caller's own.
	f := WorkshopFilter{Statuses: []WorkshopStatus{StatusDraft, StatusPublished, StatusArchived}}
	ws, err := pages(ctx, q, orgIDs, "w.organisation_id", workshopWhere(c, f, p), workshopColumns, `FROM workshops w`, "w", "title", p, scanWorkshop)
	if err != nil {
		return nil, fmt.Errorf("list workshops of %d organisations: %w", len(orgIDs), err)
	}
	return ws, nil
}

// workshopWhere is the WHERE clause of Workshops: what the caller may see, the filter, and
// the page's keyset position.
func workshopWhere(c Caller, f WorkshopFilter, p Page) where {
	w := where{}
	w.add(workshopVisible, c.OrganisationID)
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = []WorkshopStatus{StatusPublished}
	}
	w.add("w.status = ANY($%d)", statuses)
	if len(f.Topics) > 0 {
		w.add("w.topics && $%d::text[]", f.Topics)
	}
	if len(f.Audiences) > 0 {
		w.add("(w.audiences && $%d::text[] OR 'EVERYONE' = ANY(w.audiences))", f.Audiences)
	}
	if len(f.OrganisationIDs) > 0 {
		w.add("w.organisation_id = ANY($%d)", f.OrganisationIDs)
	}
	if f.Search != "" {
		pattern := "%" + likeEscaper.Replace(f.Search) + "%"
		w.add("(w.title ILIKE $%d OR w.summary ILIKE $%d)", pattern, pattern)
	}
	if key, id := p.after(); key != nil {
		w.add("(w.title, w.id) > ($%d, $%d)", *key, id)
	}
	return w
}

// likeEscaper escapes the LIKE wildcards of a user's search text.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// CreateWorkshop inserts w.
func CreateWorkshop(ctx context.Context, q Querier, w Workshop) (Workshop, error) {
	rows, _ := q.Query(ctx, `
		WITH w AS (
			INSERT INTO workshops (organisation_id, title, summary, description, topics, level,
				duration_minutes, audiences, what_to_bring, languages, prerequisites, resources, status)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
			RETURNING *)
		SELECT `+workshopColumns+` FROM w`,
		w.OrganisationID, w.Title, w.Summary, w.Description, w.Topics, w.Level,
		w.DurationMinutes, w.Audiences, nonNil(w.WhatToBring), nonNil(w.Languages), w.Prerequisites,
		nonNil(w.Resources), w.Status)
	created, err := pgx.CollectExactlyOneRow(rows, scanWorkshop)
	if err != nil {
		return Workshop{}, fmt.Errorf("create workshop: %w", err)
	}
	return created, nil
}

// UpdateWorkshop locks workshop id, lets change modify it, and writes every editable field,
// its status included.
func UpdateWorkshop(ctx context.Context, q Querier, id int64, change func(*Workshop) error) (Workshop, error) {
	w, err := update(ctx, q, `SELECT `+workshopColumns+` FROM workshops w WHERE w.id = $1 FOR UPDATE`,
		id, scanWorkshop, change, writeWorkshop)
	if err != nil {
		return Workshop{}, fmt.Errorf("update workshop %d: %w", id, err)
	}
	return w, nil
}

func writeWorkshop(ctx context.Context, tx pgx.Tx, w Workshop) (Workshop, error) {
	rows, _ := tx.Query(ctx, `
		WITH w AS (
			UPDATE workshops SET title = $2, summary = $3, description = $4, topics = $5, level = $6,
				duration_minutes = $7, audiences = $8, what_to_bring = $9, languages = $10,
				prerequisites = $11, resources = $12, status = $13, updated_at = now()
			WHERE id = $1
			RETURNING *)
		SELECT `+workshopColumns+` FROM w`,
		w.ID, w.Title, w.Summary, w.Description, w.Topics, w.Level,
		w.DurationMinutes, w.Audiences, nonNil(w.WhatToBring), nonNil(w.Languages), w.Prerequisites,
		nonNil(w.Resources), w.Status)
	return pgx.CollectExactlyOneRow(rows, scanWorkshop)
}
