package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/httpapi"
	"github.com/bulwark-sec/bulwark/screening"
)

// recentDecisions is how many decisions the screening page lists.
const recentDecisions = 50

// screeningRoutes registers the screening pages.
func (c *Console) screeningRoutes() {
	c.AddNav(NavItem{Path: "/screening", Label: "Screening", Perm: auth.PermRead})
	c.Page("GET /screening", auth.PermRead, c.screeningPage)
	c.Page("POST /screening/address", auth.PermAnalyze, c.screenAddress)
	c.Page("POST /screening/name", auth.PermAnalyze, c.screenName)
	c.Page("GET /screening/decisions/{id}", auth.PermRead, c.decisionPage)
	c.Page("GET /screening/lists/{id}", auth.PermRead, c.listPage)
	c.screeningRuleRoutes()
}

// screeningView is the data of screening.html.
type screeningView struct {
	CanScreen bool
	Uses      []screening.Use
	Form      screenForm
	// Address and Name are the decision just made (at most one).
	Address *screening.AddressDecision
	Name    *screening.NameDecision
	// Decisions are the newest decisions (hiring ones only for analysts).
	Decisions []screening.StoredDecision
	Lists     []httpapi.ListView
	Entities  int
	Addresses int
}

type screenForm struct {
	Address, Chain, Name, Type, DOB, Country, Use, Subject string
}

func (c *Console) screening() (*screening.Service, screening.Stores, error) {
	s := c.cfg.Services
	if s.Screening == nil || s.ScreenStore == nil {
		return nil, nil, bulwark.Errorf(bulwark.EUNAVAILABLE, "screening is not configured on this server")
	}
	return s.Screening, s.ScreenStore, nil
}

// screeningData reads the decisions and the lists for the screening page.
func (c *Console) screeningData(r *http.Request) (*screeningView, error) {
	svc, store, err := c.screening()
	if err != nil {
		return nil, err
	}
	p := PrincipalOf(r)
	v := &screeningView{CanScreen: p.Allows(auth.PermAnalyze),
		Uses: []screening.Use{screening.UseDeposit, screening.UseWithdrawal, screening.UseOnboarding, screening.UseVendor, screening.UseHiring}}
	f := screening.DecisionFilter{Limit: recentDecisions, Subject: strings.TrimSpace(r.URL.Query().Get("subject"))}
	if !p.Allows(auth.PermAnalyze) {
		// As the API: hiring decisions are personal data for analysts.
		f.ExcludeUse = screening.UseHiring
	}
	if v.Decisions, err = store.Decisions(r.Context(), f); err != nil {
		return nil, err
	}
	sc := svc.Screener()
	v.Lists = httpapi.ListViews(sc, time.Now())
	v.Entities, v.Addresses = sc.Index().Counts()
	return v, nil
}

func (c *Console) screeningPage(w http.ResponseWriter, r *http.Request) error {
	v, err := c.screeningData(r)
	if err != nil {
		return err
	}
	return c.Render(w, r, http.StatusOK, "screening.html", v)
}

// justMade puts the decision just made at the head of the history: the
// service may store it after answering (its recorder batches), and the
// analyst must see it listed at once.
func (v *screeningView) justMade(d screening.Decision) {
	if len(v.Decisions) > 0 && v.Decisions[0].ID == d.ID {
		return
	}
	v.Decisions = append([]screening.StoredDecision{{Decision: d}}, v.Decisions...)
	if len(v.Decisions) > recentDecisions {
		v.Decisions = v.Decisions[:recentDecisions]
	}
}

// readScreenForm reads the posted search form.
func readScreenForm(r *http.Request) screenForm {
	get := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return screenForm{Address: get("address"), Chain: get("chain"), Name: get("name"), Type: get("type"),
		DOB: get("dob"), Country: get("country"), Use: get("use"), Subject: get("subject")}
}

// screenAddress screens one address, as POST /api/v1/screen/address; the
// decision is recorded by the service.
func (c *Console) screenAddress(w http.ResponseWriter, r *http.Request) error {
	v, err := c.screeningData(r)
	if err != nil {
		return err
	}
	v.Form = readScreenForm(r)
	d, err := c.doScreenAddress(r, v.Form)
	if err != nil {
		return c.formFailed(w, r, "screening.html", v, err)
	}
	v.Address = d
	v.justMade(d.Decision)
	return c.Render(w, r, http.StatusOK, "screening.html", v)
}

func (c *Console) doScreenAddress(r *http.Request, f screenForm) (*screening.AddressDecision, error) {
	use, err := screening.ParseUse("use", f.Use, string(screening.UseDeposit))
	if err != nil {
		return nil, err
	}
	if f.Address == "" {
		return nil, bulwark.Invalid("address", "address: required: the address to screen")
	}
	return c.cfg.Services.Screening.ScreenAddresses(r.Context(), PrincipalOf(r).Actor, use, f.Subject,
		[]screening.AddressQuery{{Address: f.Address, Chain: f.Chain}})
}

// screenName screens one name, as POST /api/v1/screen/name.
func (c *Console) screenName(w http.ResponseWriter, r *http.Request) error {
	v, err := c.screeningData(r)
	if err != nil {
		return err
	}
	v.Form = readScreenForm(r)
	use, err := screening.ParseUse("use", v.Form.Use, string(screening.UseOnboarding))
	if err != nil {
		return c.formFailed(w, r, "screening.html", v, err)
	}
	d, err := c.cfg.Services.Screening.ScreenName(r.Context(), PrincipalOf(r).Actor, use, v.Form.Subject,
		screening.NameQuery{Name: v.Form.Name, Type: v.Form.Type, DateOfBirth: v.Form.DOB, Country: v.Form.Country})
	if err != nil {
		return c.formFailed(w, r, "screening.html", v, err)
	}
	v.Name = d
	v.justMade(d.Decision)
	return c.Render(w, r, http.StatusOK, "screening.html", v)
}

// decisionView is the data of decision.html.
type decisionView struct {
	Stored  *screening.StoredDecision
	Address *screening.AddressDecision
	Name    *screening.NameDecision
	// Rule are the matches an analyst may ask to rule a false positive
	// (empty for a viewer).
	Rule []ruleTarget
	// Replay is the decision screened again on its list versions (nil
	// until asked for with ?replay=1).
	Replay *screening.Replay
}

// decisionPage shows one stored decision as it was answered, and its
// replay on the list versions it recorded when asked.
func (c *Console) decisionPage(w http.ResponseWriter, r *http.Request) error {
	svc, store, err := c.screening()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	d, err := store.Decision(r.Context(), id)
	if err != nil {
		return err
	}
	if d.Use == screening.UseHiring && !PrincipalOf(r).Allows(auth.PermAnalyze) {
		return bulwark.Errorf(bulwark.EFORBIDDEN, "decision %s is a hiring screening: reading it needs the analyst role", d.ID)
	}
	v := &decisionView{Stored: d}
	switch d.Kind {
	case screening.KindName:
		v.Name = new(screening.NameDecision)
		err = json.Unmarshal(d.Body, v.Name)
	default:
		v.Address = new(screening.AddressDecision)
		err = json.Unmarshal(d.Body, v.Address)
	}
	if err != nil {
		return bulwark.Wrap(err, bulwark.EINTEGRITY, "decision "+id+": its stored body cannot be read")
	}
	if PrincipalOf(r).Allows(auth.PermAnalyze) {
		v.Rule = ruleTargets(v)
	}
	if r.URL.Query().Get("replay") != "" {
		if v.Replay, err = svc.Replay(r.Context(), id); err != nil {
			return err
		}
	}
	return c.Render(w, r, http.StatusOK, "decision.html", v)
}

// listPageView is the data of list.html.
type listPageView struct {
	ID       string
	Versions []screening.ListInfo
}

// listPage shows the versions of one list, newest first, with their age.
func (c *Console) listPage(w http.ResponseWriter, r *http.Request) error {
	_, store, err := c.screening()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	h, err := store.ListHistory(r.Context(), id)
	if err != nil {
		return err
	}
	if len(h) == 0 {
		return bulwark.Errorf(bulwark.ENOTFOUND, "no list %s", strconv.Quote(id))
	}
	return c.Render(w, r, http.StatusOK, "list.html", listPageView{ID: id, Versions: h})
}
