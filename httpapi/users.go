package httpapi

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/auth"
)

// Console user routes (admin only). auth.Users writes each change and its
// audit entry in one transaction itself (actor: the caller's
// Token.Actor()), so these routes are registered with register rather
// than handleChange, which would open a second one.
const (
	routeUserList     = "GET /api/v1/users"
	routeUserCreate   = "POST /api/v1/users"
	routeUserGet      = "GET /api/v1/users/{name}"
	routeUserDisable  = "POST /api/v1/users/{name}/disable"
	routeUserResetMFA = "POST /api/v1/users/{name}/reset-mfa"
	routeUserRole     = "PUT /api/v1/users/{name}/role"
	routeUserSessions = "GET /api/v1/users/{name}/sessions"
	routeUserRevoke   = "DELETE /api/v1/users/{name}/sessions"
	// routeApprovalEnrolment gives the requester of an approved creation
	// or second-factor reset the user's enrolment secret.
	routeApprovalEnrolment = "POST /api/v1/approvals/{id}/enrolment"
)

func (s *Server) userRoutes() {
	s.handle(routeUserList, auth.PermAdmin, s.listUsers)
	s.handle(routeUserGet, auth.PermAdmin, s.getUser)
	s.handle(routeUserSessions, auth.PermAdmin, s.userSessions)
	// Audited by auth.Users (see above).
	s.register(routeUserCreate, auth.PermAdmin, s.createUser)
	s.register(routeUserDisable, auth.PermAdmin, s.disableUser)
	s.register(routeUserResetMFA, auth.PermAdmin, s.resetUserMFA)
	s.register(routeUserRole, auth.PermAdmin, s.setUserRole)
	s.register(routeUserRevoke, auth.PermAdmin, s.revokeUserSessions)
	s.register(routeApprovalEnrolment, auth.PermAdmin, s.approvalEnrolment)
}

func (s *Server) users() (*auth.Users, error) {
	if s.cfg.Users == nil {
		return nil, bulwark.Errorf(bulwark.EUNAVAILABLE, "console users are not configured on this server")
	}
	return s.cfg.Users, nil
}

// people is the users service with creation, role raises and second-factor
// resets under dual control (Approvals).
func (s *Server) people() (*approval.People, error) {
	users, err := s.users()
	if err != nil {
		return nil, err
	}
	return &approval.People{Users: users, Dual: s.cfg.Approvals}, nil
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	users, err := s.users()
	if err != nil {
		return err
	}
	list, err := users.ListUsers(r.Context())
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, list)
	return nil
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) error {
	users, err := s.users()
	if err != nil {
		return err
	}
	u, err := users.User(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, u)
	return nil
}

// enrolmentResponse carries a one-time enrolment secret (shown once).
type enrolmentResponse struct {
	Secret    string     `json:"secret"`
	ExpiresAt *time.Time `json:"expiresAt"`
	User      *auth.User `json:"user"`
}

type createUserRequest struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	users, err := s.people()
	if err != nil {
		return err
	}
	var req createUserRequest
	if err := decodeJSON(w, r, &req, s.cfg.MaxBodyBytes); err != nil {
		return err
	}
	if strings.TrimSpace(req.Role) == "" {
		return badInput("role", "role: is required: use admin, analyst or viewer")
	}
	role, err := auth.ParseRole(req.Role)
	if err != nil {
		return err
	}
	secret, u, err := users.CreateUser(dualContext(r), principal(r).Actor, req.Name, role)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusCreated, enrolmentResponse{Secret: secret, ExpiresAt: u.EnrolExpiresAt, User: u})
	return nil
}

// unchanged answers 200 with the record for a change that found nothing
// to do (auth.ErrUnchangedUser), err's other errors as they are.
func (s *Server) userChanged(w http.ResponseWriter, r *http.Request, u *auth.User, err error) error {
	if err != nil && !errors.Is(err, auth.ErrUnchangedUser) {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"user": u, "changed": err == nil})
	return nil
}

func (s *Server) disableUser(w http.ResponseWriter, r *http.Request) error {
	users, err := s.users()
	if err != nil {
		return err
	}
	u, err := users.DisableUser(r.Context(), tokenOf(r).Actor(), r.PathValue("name"))
	return s.userChanged(w, r, u, err)
}

type setRoleRequest struct {
	Role string `json:"role"`
}

func (s *Server) setUserRole(w http.ResponseWriter, r *http.Request) error {
	users, err := s.people()
	if err != nil {
		return err
	}
	var req setRoleRequest
	if err := decodeJSON(w, r, &req, s.cfg.MaxBodyBytes); err != nil {
		return err
	}
	role, err := auth.ParseRole(req.Role)
	if err != nil {
		return err
	}
	u, err := users.SetRole(dualContext(r), principal(r).Actor, r.PathValue("name"), role)
	return s.userChanged(w, r, u, err)
}

func (s *Server) resetUserMFA(w http.ResponseWriter, r *http.Request) error {
	users, err := s.people()
	if err != nil {
		return err
	}
	secret, u, err := users.ResetMFA(dualContext(r), principal(r).Actor, r.PathValue("name"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, enrolmentResponse{Secret: secret, ExpiresAt: u.EnrolExpiresAt, User: u})
	return nil
}

// approvalEnrolment answers POST /api/v1/approvals/{id}/enrolment: the
// enrolment secret of an approved and executed creation or reset, to its
// requester only (approval.People.Enrolment).
func (s *Server) approvalEnrolment(w http.ResponseWriter, r *http.Request) error {
	people, err := s.people()
	if err != nil {
		return err
	}
	secret, u, err := people.Enrolment(r.Context(), r.PathValue("id"), principal(r))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, enrolmentResponse{Secret: secret, ExpiresAt: u.EnrolExpiresAt, User: u})
	return nil
}

func (s *Server) userSessions(w http.ResponseWriter, r *http.Request) error {
	users, err := s.users()
	if err != nil {
		return err
	}
	u, err := users.User(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	list, err := users.Sessions(r.Context(), u.ID)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, list)
	return nil
}

func (s *Server) revokeUserSessions(w http.ResponseWriter, r *http.Request) error {
	users, err := s.users()
	if err != nil {
		return err
	}
	n, err := users.RevokeUserSessions(r.Context(), tokenOf(r).Actor(), r.PathValue("name"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, map[string]int{"revoked": n})
	return nil
}
