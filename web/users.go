package web

import (
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"net/http"
	"net/url"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/auth"
)

// userRoutes registers the sign-in pages (public: they check their own
// anti-forgery token), "My account" and the users admin page.
func (c *Console) userRoutes() {
	c.Public("GET /login", c.loginPage)
	c.Public("POST /login", c.loginSubmit)
	c.Public("GET /login/second-factor", c.secondFactorPage)
	c.Public("POST /login/totp", c.loginTOTP)
	c.Public("POST /login/recovery", c.loginRecovery)
	c.Public("POST /login/passkey/options", c.loginPasskeyOptions)
	c.Public("POST /login/passkey", c.loginPasskey)
	c.Public("GET /enrol", c.enrolPage)
	c.Public("POST /enrol", c.enrolSubmit)
	c.Public("GET /enrol/second-factor", c.enrolFactorPage)
	c.Public("POST /enrol/totp", c.enrolTOTP)
	c.Public("POST /enrol/passkey/options", c.enrolPasskeyOptions)
	c.Public("POST /enrol/passkey", c.enrolPasskey)
	c.Page("POST /logout", auth.PermRead, c.logout)

	c.AddNav(NavItem{Path: "/account", Label: "My account", Perm: auth.PermRead})
	c.Page("GET /account", auth.PermRead, c.accountPage)
	c.Page("POST /account/sessions/{id}/revoke", auth.PermRead, c.revokeMySession)

	c.AddNav(NavItem{Path: "/users", Label: "Users", Perm: auth.PermAdmin})
	c.Page("GET /users", auth.PermAdmin, c.usersPage)
	c.Page("POST /users", auth.PermAdmin, c.createUser)
	c.Page("POST /users/{name}/disable", auth.PermAdmin, c.disableUser)
	c.Page("POST /users/{name}/reset-mfa", auth.PermAdmin, c.resetUserMFA)
	c.Page("POST /users/{name}/role", auth.PermAdmin, c.setUserRole)
	c.Page("POST /users/{name}/sessions/revoke", auth.PermAdmin, c.revokeUserSessions)
	c.Page("POST /approvals/{id}/enrolment", auth.PermAdmin, c.approvalEnrolment)
}

func (c *Console) users() (*auth.Users, error) {
	if c.cfg.Users == nil {
		return nil, bulwark.Errorf(bulwark.EUNAVAILABLE, "console users are not configured on this server")
	}
	return c.cfg.Users, nil
}

// loginView is the data of the sign-in pages.
type loginView struct {
	Next     string
	Name     string
	Passkey  bool // the user has a passkey (offered first)
	TOTP     bool
	Recovery []string
	TOTPQR   template.HTML
	TOTPKey  string
	TOTPURI  string
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) error {
	token := preSessionToken(w, r)
	return c.renderForm(w, r, "login.html", loginView{Next: safeNext(r.URL.Query().Get("next"))}, token, nil)
}

func (c *Console) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	users, err := c.users()
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, c.cfg.MaxFormBytes)
	if err := checkPreSession(r); err != nil {
		return err
	}
	name, next := r.PostFormValue("name"), safeNext(r.PostFormValue("next"))
	si, err := users.SignIn(r.Context(), name, r.PostFormValue("password"), clientKey(r))
	if err != nil {
		return c.renderForm(w, r, "login.html", loginView{Next: next, Name: name}, preSessionToken(w, r), err)
	}
	startSession(w, r, si)
	http.Redirect(w, r, "/login/second-factor?next="+url.QueryEscape(next), http.StatusSeeOther)
	return nil
}

// pendingSession returns r's session, which must be at one of stages.
func (c *Console) pendingSession(r *http.Request, stages ...auth.Stage) (*auth.Session, *auth.User, error) {
	users, err := c.users()
	if err != nil {
		return nil, nil, err
	}
	sess, u, err := sessionOf(r, users)
	if err != nil {
		return nil, nil, err
	}
	if sess != nil {
		for _, st := range stages {
			if sess.Stage == st {
				return sess, u, nil
			}
		}
	}
	return nil, nil, bulwark.Errorf(bulwark.EUNAUTHORIZED, "this step needs a sign-in in progress: start again at /login")
}

func (c *Console) secondFactorPage(w http.ResponseWriter, r *http.Request) error {
	sess, u, err := c.pendingSession(r, auth.StageSecondFactor)
	if err != nil {
		http.Redirect(w, r, LoginPath, http.StatusSeeOther)
		return nil
	}
	info, err := c.cfg.Users.User(r.Context(), u.Name)
	if err != nil {
		return err
	}
	return c.renderForm(w, r, "second-factor.html", loginView{Next: safeNext(r.URL.Query().Get("next")), Name: u.Name,
		Passkey: info.Passkeys > 0, TOTP: info.TOTP}, auth.CSRFToken(sess), nil)
}

// finishSignIn answers a second factor: the rotated session's cookie and a
// redirect, or the page again with the problem.
func (c *Console) finishSignIn(w http.ResponseWriter, r *http.Request, sess *auth.Session, u *auth.User, si *auth.SignedIn, err error) error {
	next := safeNext(r.PostFormValue("next"))
	if err != nil {
		info, ierr := c.cfg.Users.User(r.Context(), u.Name)
		if ierr != nil {
			return ierr
		}
		return c.renderForm(w, r, "second-factor.html", loginView{Next: next, Name: u.Name, Passkey: info.Passkeys > 0, TOTP: info.TOTP}, auth.CSRFToken(sess), err)
	}
	startSession(w, r, si)
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (c *Console) loginTOTP(w http.ResponseWriter, r *http.Request) error {
	sess, u, err := c.secondFactorForm(w, r)
	if err != nil {
		return err
	}
	si, err := c.cfg.Users.VerifyTOTP(r.Context(), sess, u, r.PostFormValue("code"))
	return c.finishSignIn(w, r, sess, u, si, err)
}

func (c *Console) loginRecovery(w http.ResponseWriter, r *http.Request) error {
	sess, u, err := c.secondFactorForm(w, r)
	if err != nil {
		return err
	}
	si, err := c.cfg.Users.UseRecoveryCode(r.Context(), sess, u, r.PostFormValue("code"))
	return c.finishSignIn(w, r, sess, u, si, err)
}

// secondFactorForm reads a second-factor form: the pending session and its
// anti-forgery token.
func (c *Console) secondFactorForm(w http.ResponseWriter, r *http.Request) (*auth.Session, *auth.User, error) {
	sess, u, err := c.pendingSession(r, auth.StageSecondFactor)
	if err != nil {
		return nil, nil, err
	}
	r.Body = http.MaxBytesReader(w, r.Body, c.cfg.MaxFormBytes)
	if err := checkSessionCSRF(r, sess); err != nil {
		return nil, nil, err
	}
	return sess, u, nil
}

// writeRawJSON answers a ceremony request with JSON.
func writeRawJSON(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// ceremonyError answers a WebAuthn script request's error as JSON.
func ceremonyError(w http.ResponseWriter, err error) error {
	b, _ := json.Marshal(map[string]string{"code": bulwark.ErrorCode(err), "message": bulwark.ErrorMessage(err)})
	writeRawJSON(w, statusOf(err), b)
	return nil
}

// ceremonyAnswer reads the browser's answer to a passkey ceremony of a
// session at stage: the pending session and its user, its CSRF token
// checked, and the credential JSON.
func (c *Console) ceremonyAnswer(w http.ResponseWriter, r *http.Request, stage auth.Stage) (*auth.Session, *auth.User, []byte, error) {
	sess, u, err := c.pendingSession(r, stage)
	if err == nil {
		err = checkSessionCSRF(r, sess)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	resp, err := readAssertion(w, r)
	if err != nil {
		return nil, nil, nil, err
	}
	return sess, u, resp, nil
}

// readAssertion reads the browser's credential JSON of a ceremony.
func readAssertion(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, auth.MaxAssertionBytes))
	if err != nil {
		return nil, formError(err)
	}
	return b, nil
}

func (c *Console) loginPasskeyOptions(w http.ResponseWriter, r *http.Request) error {
	sess, u, err := c.secondFactorForm(w, r)
	if err != nil {
		return ceremonyError(w, err)
	}
	opts, err := c.cfg.Users.BeginPasskeyLogin(r.Context(), sess, u)
	if err != nil {
		return ceremonyError(w, err)
	}
	writeRawJSON(w, http.StatusOK, opts)
	return nil
}

func (c *Console) loginPasskey(w http.ResponseWriter, r *http.Request) error {
	sess, u, resp, err := c.ceremonyAnswer(w, r, auth.StageSecondFactor)
	if err != nil {
		return ceremonyError(w, err)
	}
	si, err := c.cfg.Users.FinishPasskeyLogin(r.Context(), sess, u, resp)
	if err != nil {
		return ceremonyError(w, err)
	}
	startSession(w, r, si)
	b, _ := json.Marshal(map[string]string{"next": safeNext(r.URL.Query().Get("next"))})
	writeRawJSON(w, http.StatusOK, b)
	return nil
}

func (c *Console) enrolPage(w http.ResponseWriter, r *http.Request) error {
	return c.renderForm(w, r, "enrol.html", loginView{}, preSessionToken(w, r), nil)
}

func (c *Console) enrolSubmit(w http.ResponseWriter, r *http.Request) error {
	users, err := c.users()
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, c.cfg.MaxFormBytes)
	if err := checkPreSession(r); err != nil {
		return err
	}
	pw := r.PostFormValue("password")
	if pw != r.PostFormValue("password2") {
		return c.renderForm(w, r, "enrol.html", loginView{}, preSessionToken(w, r), bulwark.Invalid("password2", "the two passwords differ: type the same one twice"))
	}
	si, err := users.Enrol(r.Context(), r.PostFormValue("secret"), pw, clientKey(r))
	if err != nil {
		return c.renderForm(w, r, "enrol.html", loginView{}, preSessionToken(w, r), err)
	}
	startSession(w, r, si)
	http.Redirect(w, r, "/enrol/second-factor", http.StatusSeeOther)
	return nil
}

// enrolFactorPage offers a passkey (first) and an authenticator app to a
// session enrolling (a signed-in session cannot change factors).
func (c *Console) enrolFactorPage(w http.ResponseWriter, r *http.Request) error {
	sess, u, err := c.pendingSession(r, auth.StageEnrol)
	if err != nil {
		http.Redirect(w, r, LoginPath, http.StatusSeeOther)
		return nil
	}
	return c.renderEnrolFactor(w, r, sess, u, nil)
}

func (c *Console) renderEnrolFactor(w http.ResponseWriter, r *http.Request, sess *auth.Session, u *auth.User, problem error) error {
	te, err := c.cfg.Users.BeginTOTP(r.Context(), sess, u)
	if err != nil {
		return err
	}
	svg, err := qrSVG(te.URL)
	if err != nil {
		return err
	}
	return c.renderForm(w, r, "enrol-factor.html", loginView{Name: u.Name, TOTPQR: svg, TOTPKey: te.Secret, TOTPURI: te.URL},
		auth.CSRFToken(sess), problem)
}

// enrolForm reads an enrolment form: the session and its token.
func (c *Console) enrolForm(w http.ResponseWriter, r *http.Request) (*auth.Session, *auth.User, error) {
	sess, u, err := c.pendingSession(r, auth.StageEnrol)
	if err != nil {
		return nil, nil, err
	}
	r.Body = http.MaxBytesReader(w, r.Body, c.cfg.MaxFormBytes)
	if err := checkSessionCSRF(r, sess); err != nil {
		return nil, nil, err
	}
	return sess, u, nil
}

// enrolled shows what follows a new second factor: the recovery codes,
// once, for a first enrolment.
func (c *Console) enrolled(w http.ResponseWriter, r *http.Request, si *auth.SignedIn) error {
	if si.Cookie != "" {
		startSession(w, r, si)
	}
	if len(si.RecoveryCodes) == 0 {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return nil
	}
	p := &Principal{Actor: si.User.AuditTarget(), Name: si.User.Name, Person: si.User.Name, User: si.User.ID, Role: si.User.Role, CSRF: auth.CSRFToken(si.Session)}
	r = r.WithContext(WithPrincipal(r.Context(), p))
	return c.Render(w, r, http.StatusOK, "recovery-codes.html", loginView{Name: si.User.Name, Recovery: si.RecoveryCodes})
}

func (c *Console) enrolTOTP(w http.ResponseWriter, r *http.Request) error {
	sess, u, err := c.enrolForm(w, r)
	if err != nil {
		return err
	}
	si, err := c.cfg.Users.ConfirmTOTP(r.Context(), sess, u, r.PostFormValue("code"))
	if err != nil {
		return c.renderEnrolFactor(w, r, sess, u, err)
	}
	return c.enrolled(w, r, si)
}

func (c *Console) enrolPasskeyOptions(w http.ResponseWriter, r *http.Request) error {
	sess, u, err := c.enrolForm(w, r)
	if err != nil {
		return ceremonyError(w, err)
	}
	opts, err := c.cfg.Users.BeginPasskeyRegistration(r.Context(), sess, u)
	if err != nil {
		return ceremonyError(w, err)
	}
	writeRawJSON(w, http.StatusOK, opts)
	return nil
}

func (c *Console) enrolPasskey(w http.ResponseWriter, r *http.Request) error {
	sess, u, resp, err := c.ceremonyAnswer(w, r, auth.StageEnrol)
	if err != nil {
		return ceremonyError(w, err)
	}
	si, err := c.cfg.Users.FinishPasskeyRegistration(r.Context(), sess, u, resp)
	if err != nil {
		return ceremonyError(w, err)
	}
	if si.Cookie != "" {
		startSession(w, r, si)
	}
	b, _ := json.Marshal(map[string]any{"recoveryCodes": si.RecoveryCodes, "next": "/account"})
	writeRawJSON(w, http.StatusOK, b)
	return nil
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request) error {
	users, err := c.users()
	if err != nil {
		return err
	}
	if ck, err := r.Cookie(cookieName(r, SessionCookie)); err == nil {
		if err := users.SignOut(r.Context(), ck.Value); err != nil {
			return err
		}
	}
	setCookie(w, r, SessionCookie, "", -1)
	http.Redirect(w, r, LoginPath, http.StatusSeeOther)
	return nil
}

// accountView is the data of "My account".
type accountView struct {
	User     *auth.UserInfo
	Sessions []*auth.Session
	Current  string
}

func (c *Console) accountPage(w http.ResponseWriter, r *http.Request) error {
	return c.renderAccount(w, r, nil)
}

func (c *Console) renderAccount(w http.ResponseWriter, r *http.Request, problem error) error {
	users, err := c.users()
	if err != nil {
		return err
	}
	sess, u, err := sessionOf(r, users)
	if err != nil {
		return err
	}
	if sess == nil {
		return bulwark.Errorf(bulwark.EUNAUTHORIZED, "sign in first")
	}
	info, err := users.User(r.Context(), u.Name)
	if err != nil {
		return err
	}
	list, err := users.Sessions(r.Context(), u.ID)
	if err != nil {
		return err
	}
	return c.renderForm(w, r, "account.html", accountView{User: info, Sessions: list, Current: sess.ID}, "", problem)
}

func (c *Console) me(r *http.Request) (*auth.Session, *auth.User, error) {
	users, err := c.users()
	if err != nil {
		return nil, nil, err
	}
	sess, u, err := sessionOf(r, users)
	if err == nil && sess == nil {
		err = bulwark.Errorf(bulwark.EUNAUTHORIZED, "sign in first")
	}
	return sess, u, err
}

func (c *Console) revokeMySession(w http.ResponseWriter, r *http.Request) error {
	_, u, err := c.me(r)
	if err != nil {
		return err
	}
	if _, err := c.cfg.Users.RevokeSession(r.Context(), u, r.PathValue("id")); err != nil {
		return c.renderAccount(w, r, err)
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

// usersView is the data of the users admin page.
type usersView struct {
	Users []*auth.UserInfo
	Roles []auth.Role
	// Secret is a one-time enrolment secret just made, for Name.
	Secret, SecretFor string
}

func (c *Console) usersPage(w http.ResponseWriter, r *http.Request) error {
	return c.renderUsers(w, r, "", "", nil)
}

func (c *Console) renderUsers(w http.ResponseWriter, r *http.Request, secret, name string, problem error) error {
	users, err := c.users()
	if err != nil {
		return err
	}
	list, err := users.ListUsers(r.Context())
	if err != nil {
		return err
	}
	return c.renderForm(w, r, "users.html", usersView{Users: list, Roles: auth.Roles(), Secret: secret, SecretFor: name}, "", problem)
}

// people is the users service with creation, role raises and second-factor
// resets under dual control.
func (c *Console) people() (*approval.People, error) {
	users, err := c.users()
	if err != nil {
		return nil, err
	}
	return &approval.People{Users: users, Dual: c.cfg.Services.Approvals}, nil
}

// pending redirects to the approval request err holds (a change waiting
// for a second person), reporting whether it did.
func pending(w http.ResponseWriter, r *http.Request, err error) bool {
	if req := approval.PendingRequest(err); req != nil {
		http.Redirect(w, r, "/approvals/"+url.PathEscape(req.ID), http.StatusSeeOther)
		return true
	}
	return false
}

// approvalEnrolment shows the requester of an approved creation or reset
// the user's enrolment secret (approval.People.Enrolment).
func (c *Console) approvalEnrolment(w http.ResponseWriter, r *http.Request) error {
	people, err := c.people()
	if err != nil {
		return err
	}
	secret, u, err := people.Enrolment(r.Context(), r.PathValue("id"), approval.PrincipalFrom(r.Context(), PrincipalOf(r).Actor))
	if err != nil {
		return c.renderUsers(w, r, "", "", err)
	}
	return c.renderUsers(w, r, secret, u.Name, nil)
}

func (c *Console) createUser(w http.ResponseWriter, r *http.Request) error {
	users, err := c.people()
	if err != nil {
		return err
	}
	role, err := auth.ParseRole(r.PostFormValue("role"))
	if err != nil {
		return c.renderUsers(w, r, "", "", err)
	}
	secret, u, err := users.CreateUser(r.Context(), PrincipalOf(r).Actor, r.PostFormValue("name"), role)
	if pending(w, r, err) {
		return nil
	}
	if err != nil {
		return c.renderUsers(w, r, "", "", err)
	}
	return c.renderUsers(w, r, secret, u.Name, nil)
}

func (c *Console) adminDone(w http.ResponseWriter, r *http.Request, err error) error {
	if err != nil && !errors.Is(err, auth.ErrUnchangedUser) {
		return c.renderUsers(w, r, "", "", err)
	}
	http.Redirect(w, r, "/users", http.StatusSeeOther)
	return nil
}

func (c *Console) disableUser(w http.ResponseWriter, r *http.Request) error {
	users, err := c.users()
	if err != nil {
		return err
	}
	_, err = users.DisableUser(r.Context(), PrincipalOf(r).Actor, r.PathValue("name"))
	return c.adminDone(w, r, err)
}

func (c *Console) setUserRole(w http.ResponseWriter, r *http.Request) error {
	users, err := c.people()
	if err != nil {
		return err
	}
	role, err := auth.ParseRole(r.PostFormValue("role"))
	if err == nil {
		_, err = users.SetRole(r.Context(), PrincipalOf(r).Actor, r.PathValue("name"), role)
	}
	if pending(w, r, err) {
		return nil
	}
	return c.adminDone(w, r, err)
}

func (c *Console) resetUserMFA(w http.ResponseWriter, r *http.Request) error {
	users, err := c.people()
	if err != nil {
		return err
	}
	secret, u, err := users.ResetMFA(r.Context(), PrincipalOf(r).Actor, r.PathValue("name"))
	if pending(w, r, err) {
		return nil
	}
	if err != nil {
		return c.renderUsers(w, r, "", "", err)
	}
	return c.renderUsers(w, r, secret, u.Name, nil)
}

func (c *Console) revokeUserSessions(w http.ResponseWriter, r *http.Request) error {
	users, err := c.users()
	if err != nil {
		return err
	}
	_, err = users.RevokeUserSessions(r.Context(), PrincipalOf(r).Actor, r.PathValue("name"))
	return c.adminDone(w, r, err)
}
