package web

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/screening"
)

// ruleTarget is one match of a stored decision an analyst may rule a
// false positive: the form on the decision page names it by the screened
// input (addresses) and the entity.
type ruleTarget struct {
	Input    string
	EntityID string
	Name     string
	List     string
	Ruled    bool
}

// ruleTargets lists the matches of v that a ruling can name.
func ruleTargets(v *decisionView) []ruleTarget {
	var out []ruleTarget
	if v.Address != nil {
		for _, res := range v.Address.Results {
			for _, m := range res.Matches {
				out = append(out, ruleTarget{Input: res.Input, EntityID: m.EntityID, Name: m.Name, List: m.List, Ruled: m.Suppressed != nil})
			}
		}
	}
	if v.Name != nil {
		for _, m := range v.Name.Matches {
			out = append(out, ruleTarget{EntityID: m.EntityID, Name: m.Name, List: m.List, Ruled: m.Suppressed != nil})
		}
	}
	return out
}

// ruleFalsePositive answers POST /screening/decisions/{id}/false-positive:
// the analyst asks that one match of the decision (form fields entity,
// input for an address decision, and reason) be ruled a false positive,
// through the screening service's Dispose as the API's
// POST /api/v1/screen/dispositions. Held for dual control, it redirects to
// the approval request's page (what the approver will see); otherwise back
// to the decision.
func (c *Console) ruleFalsePositive(w http.ResponseWriter, r *http.Request) error {
	svc, store, err := c.screening()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	stored, err := store.Decision(r.Context(), id)
	if err != nil {
		return err
	}
	entity, input := r.PostFormValue("entity"), r.PostFormValue("input")
	d := screening.Disposition{Kind: stored.Kind, EntityID: entity, Disposition: screening.FalsePositive,
		Note: r.PostFormValue("reason"), DecisionID: id}
	var address, chain, name string
	found := false
	switch stored.Kind {
	case screening.KindName:
		var nd screening.NameDecision
		if err := json.Unmarshal(stored.Body, &nd); err != nil {
			return bulwark.Wrap(err, bulwark.EINTEGRITY, "decision "+id+": its stored body cannot be read")
		}
		name = nd.Query
		for _, m := range nd.Matches {
			if m.EntityID == entity {
				found, d.EntityDigest = true, m.EntityDigest
			}
		}
	default:
		var ad screening.AddressDecision
		if err := json.Unmarshal(stored.Body, &ad); err != nil {
			return bulwark.Wrap(err, bulwark.EINTEGRITY, "decision "+id+": its stored body cannot be read")
		}
		for _, res := range ad.Results {
			for _, m := range res.Matches {
				if res.Input == input && m.EntityID == entity {
					found, d.EntityDigest, address, chain = true, m.EntityDigest, res.Input, res.Hint
				}
			}
		}
	}
	if !found {
		return bulwark.Invalid("entity", "decision %s has no match of entity %q for input %q: choose a match listed on the decision's page", id, entity, input)
	}
	_, err = svc.Dispose(r.Context(), PrincipalOf(r).Actor, d, address, chain, name)
	if req := approval.PendingRequest(err); req != nil {
		http.Redirect(w, r, "/approvals/"+url.PathEscape(req.ID), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/screening/decisions/"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}

// screeningRuleRoutes registers the false-positive ruling form's target.
func (c *Console) screeningRuleRoutes() {
	c.Page("POST /screening/decisions/{id}/false-positive", auth.PermAnalyze, c.ruleFalsePositive)
}
