package store_test

import (
	"context"
	"testing"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

func sampleTemplate() domain.Template {
	return domain.Template{Name: "order_update", Category: "utility", DefaultLanguage: "en", Variants: []domain.TemplateVariant{
		{Language: "fr", Body: "Bonjour {{1}}", ContentSID: "HX0123456789abcdef0123456789abcdef", ApprovalStatus: "approved"},
		{Language: "en", Body: "Hello {{1}}"},
	}}
}

func TestTemplateCRUD(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	in := sampleTemplate()
	if err := domain.NormalizeTemplate(&in); err != nil {
		t.Fatal(err)
	}
	created, err := st.CreateTemplate(ctx, in, adminAudit)
	if err != nil || created.ID == "" || len(created.Variants) != 2 || created.Variants[0].Language != "en" ||
		created.Variants[1].ContentSID != in.Variants[1].ContentSID || created.Variants[1].ApprovalStatus != "approved" ||
		created.Variants[0].ContentSID != "" {
		t.Fatalf("create: %+v, %v", created, err)
	}
	if _, err := st.CreateTemplate(ctx, in, adminAudit); domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("same name twice: %v", err)
	}
	byName, err := st.TemplateByName(ctx, "order_update")
	if err != nil || byName.ID != created.ID {
		t.Fatalf("by name: %+v, %v", byName, err)
	}
	if _, err := st.TemplateByName(ctx, "nope"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("unknown name: %v", err)
	}

	upd, err := st.UpdateTemplate(ctx, created.ID, func(t *domain.Template) error {
		t.Category = "marketing"
		t.Variants = t.Variants[:1]
		return domain.NormalizeTemplate(t)
	}, adminAudit)
	if err != nil || upd.Category != "marketing" || len(upd.Variants) != 1 {
		t.Fatalf("update: %+v, %v", upd, err)
	}
	got, _ := st.GetTemplate(ctx, created.ID)
	if len(got.Variants) != 1 || got.Category != "marketing" {
		t.Fatalf("get after update: %+v", got)
	}

	list, err := st.ListTemplates(ctx)
	if err != nil || len(list) != 1 || list[0].ID != created.ID {
		t.Fatalf("list: %+v, %v", list, err)
	}
	if err := st.DeleteTemplate(ctx, created.ID, adminAudit); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteTemplate(ctx, created.ID, adminAudit); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("delete twice: %v", err)
	}
	var variants int
	_ = st.DB().Get(&variants, `SELECT count(*) FROM template_variants`)
	if variants != 0 {
		t.Fatalf("%d variants left", variants)
	}
}

func TestSaveTemplateByName(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	build := func(body string) func(domain.Template, bool) (domain.Template, error) {
		return func(cur domain.Template, exists bool) (domain.Template, error) {
			next := sampleTemplate()
			next.Variants[1].Body = body
			return next, domain.NormalizeTemplate(&next)
		}
	}
	first, outcome, err := st.SaveTemplateByName(ctx, "order_update", build("Hello {{1}}"), adminAudit)
	if err != nil || outcome != store.Created {
		t.Fatalf("first save: %v, %v", outcome, err)
	}
	again, outcome, err := st.SaveTemplateByName(ctx, "order_update", build("Hello {{1}}"), adminAudit)
	if err != nil || outcome != store.Unchanged || again.ID != first.ID || !again.UpdatedAt.Equal(first.UpdatedAt) {
		t.Fatalf("same save: %v, %v", outcome, err)
	}
	changed, outcome, err := st.SaveTemplateByName(ctx, "order_update", build("Hi {{1}}"), adminAudit)
	if err != nil || outcome != store.Updated || changed.ID != first.ID || changed.Variants[0].Body != "Hi {{1}}" {
		t.Fatalf("changed save: %+v, %v, %v", changed, outcome, err)
	}
}
