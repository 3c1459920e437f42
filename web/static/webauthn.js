// Bulwark WebAuthn ceremonies (passkey registration and sign-in). Loaded
// from a file: the console's CSP allows no inline script. A button with
// data-webauthn="create" or "get" fetches its options from data-options,
// asks the browser's authenticator, and posts the credential to
// data-finish, with the anti-forgery token of data-csrf.
(function () {
  "use strict";
  function b64uToBuf(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) { s += "="; }
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out.buffer;
  }
  function bufToB64u(buf) {
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function post(url, csrf, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"X-CSRF-Token": csrf, "Content-Type": "application/json"},
      body: body === undefined ? "" : JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) { throw new Error(j.message || ("HTTP " + r.status)); }
        return j;
      });
    });
  }
  function publicKeyOf(opts, kind) {
    var pk = opts.publicKey;
    pk.challenge = b64uToBuf(pk.challenge);
    if (kind === "create") { pk.user.id = b64uToBuf(pk.user.id); }
    ["excludeCredentials", "allowCredentials"].forEach(function (k) {
      (pk[k] || []).forEach(function (c) { c.id = b64uToBuf(c.id); });
    });
    return pk;
  }
  function credentialJSON(cred) {
    var r = cred.response, out = {id: cred.id, rawId: bufToB64u(cred.rawId), type: cred.type, response: {
      clientDataJSON: bufToB64u(r.clientDataJSON)
    }};
    if (r.attestationObject) {
      out.response.attestationObject = bufToB64u(r.attestationObject);
      if (r.getTransports) { out.response.transports = r.getTransports(); }
    } else {
      out.response.authenticatorData = bufToB64u(r.authenticatorData);
      out.response.signature = bufToB64u(r.signature);
      if (r.userHandle) { out.response.userHandle = bufToB64u(r.userHandle); }
    }
    return out;
  }
  function showError(btn, msg) {
    var p = btn.parentNode.querySelector("[data-testid=webauthn-error]");
    if (p) { p.textContent = msg; p.hidden = false; }
  }
  function showCodes(btn, codes) {
    var box = btn.parentNode.querySelector("[data-testid=passkey-recovery]");
    var list = box && box.querySelector("ol");
    if (!list) { return false; }
    codes.forEach(function (c) {
      var li = document.createElement("li");
      li.textContent = c;
      list.appendChild(li);
    });
    box.hidden = false;
    btn.hidden = true;
    return true;
  }
  function run(btn) {
    var kind = btn.getAttribute("data-webauthn"), csrf = btn.getAttribute("data-csrf");
    if (!window.PublicKeyCredential || !navigator.credentials) {
      showError(btn, "This browser has no passkey support: use an authenticator app code.");
      return;
    }
    btn.disabled = true;
    post(btn.getAttribute("data-options"), csrf).then(function (opts) {
      var pk = publicKeyOf(opts, kind);
      return kind === "create" ? navigator.credentials.create({publicKey: pk}) : navigator.credentials.get({publicKey: pk});
    }).then(function (cred) {
      return post(btn.getAttribute("data-finish"), csrf, credentialJSON(cred));
    }).then(function (res) {
      if (res.recoveryCodes && res.recoveryCodes.length && showCodes(btn, res.recoveryCodes)) { return; }
      window.location.assign(typeof res.next === "string" && /^\/(?:[^\/\\\s\x00-\x1f\x7f][^\\\s\x00-\x1f\x7f]*)?$/.test(res.next) ? res.next : "/");
    }).catch(function (e) {
      btn.disabled = false;
      showError(btn, "The passkey did not work: " + (e && e.message ? e.message : e));
    });
  }
  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest("button[data-webauthn]");
    if (btn) { e.preventDefault(); run(btn); }
  });
})();
