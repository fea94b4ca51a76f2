package postgres

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/jackc/pgx/v5"
)

// itemBatch is how many item upserts go to the server in one pipelined
// round trip.
const itemBatch = 500

// PutItems inserts or replaces items in one transaction and notifies the
// watchers of every replica when it commits.
func (s *Store) PutItems(ctx context.Context, items []driftrec.EmbeddedItem) error {
	type row struct {
		id, text, encoder string
		categories        []string
		attributes        []byte
		created, updated  time.Time
		vector            []byte
	}
	rows := make([]row, len(items))
	ids := make([]string, len(items))
	for i := range items {
		it := &items[i]
		path := "[" + strconv.Itoa(i) + "]"
		if err := driftrec.ValidateID(path+".id", it.ID); err != nil {
			return err
		}
		if err := checkText(path+".text", it.Text); err != nil {
			return err
		}
		if err := checkText(path+".encoder", it.Encoder); err != nil {
			return err
		}
		for j, c := range it.Categories {
			if err := checkText(path+".categories["+strconv.Itoa(j)+"]", c); err != nil {
				return err
			}
		}
		r := row{id: it.ID, text: it.Text, encoder: it.Encoder, categories: it.Categories,
			created: it.CreatedAt, updated: it.UpdatedAt, vector: encodeVector(it.Vector)}
		if len(it.Attributes) > 0 {
			var err error
			if r.attributes, err = json.Marshal(it.Attributes); err != nil {
				return driftrec.FieldErrorf(path+".attributes", "attributes are not JSON: %v", err)
			}
		}
		rows[i], ids[i] = r, it.ID
	}
	if err := s.ready(ctx); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		for start := 0; start < len(rows); start += itemBatch {
			b := &pgx.Batch{}
			for _, r := range rows[start:min(start+itemBatch, len(rows))] {
				// A NULL attributes value must reach jsonb as SQL NULL,
				// not as the JSON text null.
				var attrs any
				if r.attributes != nil {
					attrs = string(r.attributes)
				}
				b.Queue(`INSERT INTO items (id, text, categories, attributes, created_at, updated_at, encoder, vector)
					VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8)
					ON CONFLICT (id) DO UPDATE SET text = EXCLUDED.text, categories = EXCLUDED.categories,
						attributes = EXCLUDED.attributes, created_at = EXCLUDED.created_at,
						updated_at = EXCLUDED.updated_at, encoder = EXCLUDED.encoder, vector = EXCLUDED.vector`,
					r.id, r.text, r.categories, attrs, r.created, r.updated, r.encoder, r.vector)
			}
			if err := tx.SendBatch(ctx, b).Close(); err != nil {
				return err
			}
		}
		return s.notify(ctx, tx, ids)
	})
	return s.dbError("put items", err)
}

// DeleteItems removes items and reports how many existed.
func (s *Store) DeleteItems(ctx context.Context, ids []string) (int, error) {
	if err := s.ready(ctx); err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, nil
	}
	var deleted []string
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, "DELETE FROM items WHERE id = ANY($1) RETURNING id", ids)
		if err != nil {
			return err
		}
		if deleted, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return err
		}
		return s.notify(ctx, tx, deleted)
	})
	if err != nil {
		return 0, s.dbError("delete items", err)
	}
	return len(deleted), nil
}

const itemColumns = "id, text, categories, attributes, created_at, updated_at, encoder, vector"

func scanItem(row pgx.Row) (driftrec.EmbeddedItem, error) {
	var it driftrec.EmbeddedItem
	var attrs []byte
	var vec []byte
	err := row.Scan(&it.ID, &it.Text, &it.Categories, &attrs, &it.CreatedAt, &it.UpdatedAt, &it.Encoder, &vec)
	if err != nil {
		return it, err
	}
	it.CreatedAt, it.UpdatedAt = it.CreatedAt.UTC(), it.UpdatedAt.UTC()
	if it.Vector, err = decodeVector(vec); err != nil {
		return it, fmt.Errorf("item %q: %w", it.ID, err)
	}
	if len(attrs) > 0 {
		if err := json.Unmarshal(attrs, &it.Attributes); err != nil {
			return it, fmt.Errorf("item %q: attributes: %w", it.ID, err)
		}
	}
	return it, nil
}

// Item returns one item.
func (s *Store) Item(ctx context.Context, id string) (driftrec.EmbeddedItem, error) {
	if err := s.ready(ctx); err != nil {
		return driftrec.EmbeddedItem{}, err
	}
	// Reading attributes as text keeps pgx from decoding the JSON twice.
	it, err := scanItem(s.pool.QueryRow(ctx, "SELECT "+textAttrs(itemColumns)+" FROM items WHERE id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return it, driftrec.Errorf(driftrec.ENOTFOUND, "item %q not found", id)
	}
	return it, s.dbError("item", err)
}

// ScanItems calls fn for every item in ID (byte) order. The rows stream
// from one query, which sees one snapshot of the catalogue.
func (s *Store) ScanItems(ctx context.Context, fn func(driftrec.EmbeddedItem) error) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	rows, err := s.pool.Query(ctx, "SELECT "+textAttrs(itemColumns)+" FROM items ORDER BY id")
	if err != nil {
		return s.dbError("scan items", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		it, err := scanItem(rows)
		if err != nil {
			return s.dbError("scan items", err)
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	return s.dbError("scan items", rows.Err())
}

func textAttrs(columns string) string {
	return strings.Replace(columns, "attributes", "attributes::text", 1)
}

// encodeVector returns v as little-endian float32 bits.
func encodeVector(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func decodeVector(b []byte) ([]float32, error) {
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("vector of %d bytes is not float32s", len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}
