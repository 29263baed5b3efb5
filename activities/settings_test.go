package activities

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

// TestLoadSurveyTemplate reads the survey's template from PostgreSQL as it
// is at close: the customer's language or the default, and a reason
// instead of a template once it was deleted or lost its approval.
func TestLoadSurveyTemplate(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx := context.Background()
	audit := store.Audit{Actor: "test"}
	tpl, err := st.CreateTemplate(ctx, domain.Template{Name: "csat", Category: "utility", DefaultLanguage: "fr-FR", Variants: []domain.TemplateVariant{
		{Language: "fr-FR", Body: "Une note de 1 à 5 ?", ApprovalStatus: domain.ApprovalApproved, ContentSID: "HX0123456789abcdef0123456789abcdef"},
		{Language: "en", Body: "Rate us 1-5?", ApprovalStatus: "pending"},
	}}, audit)
	if err != nil {
		t.Fatal(err)
	}
	a := &Activities{Settings: st}
	got, err := a.LoadSurveyTemplate(ctx, SurveyTemplateInput{TemplateID: tpl.ID, Language: "fr-BE"})
	if err != nil || got.Template == nil || got.Template.Name != "csat" || got.Template.Language != "fr-FR" ||
		got.Template.ContentSID == "" || got.Body != "Une note de 1 à 5 ?" {
		t.Fatalf("fr-BE: %+v %v", got, err)
	}
	got, err = a.LoadSurveyTemplate(ctx, SurveyTemplateInput{TemplateID: tpl.ID, Language: "en-GB"})
	if err != nil || got.Template != nil || got.Skipped == "" {
		t.Fatalf("a pending variant was sendable: %+v %v", got, err)
	}
	got, err = a.LoadSurveyTemplate(ctx, SurveyTemplateInput{TemplateID: uuid.NewString(), Language: "fr-FR"})
	if err != nil || got.Template != nil || got.Skipped != "the survey template was deleted" {
		t.Fatalf("a missing template: %+v %v", got, err)
	}
}
