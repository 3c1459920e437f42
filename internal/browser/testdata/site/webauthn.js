// A passkey ceremony as a console runs it: a resident, user-verified
// credential for the relying party "localhost", then an assertion with it.
const out = document.getElementById("out");
const challenge = () => crypto.getRandomValues(new Uint8Array(32));
document.getElementById("create").addEventListener("click", async () => {
  try {
    const cred = await navigator.credentials.create({ publicKey: {
      rp: { id: "localhost", name: "Bulwark harness" },
      user: { id: new TextEncoder().encode("alice"), name: "alice", displayName: "Alice" },
      challenge: challenge(),
      pubKeyCredParams: [{ type: "public-key", alg: -7 }],
      authenticatorSelection: { residentKey: "required", userVerification: "required", authenticatorAttachment: "platform" },
    }});
    out.textContent = "created " + cred.type + " " + cred.response.getTransports().join(",");
  } catch (e) { out.textContent = "create failed: " + e.name; }
});
document.getElementById("get").addEventListener("click", async () => {
  try {
    const a = await navigator.credentials.get({ publicKey: { rpId: "localhost", challenge: challenge(), userVerification: "required" } });
    const flags = new Uint8Array(a.response.authenticatorData)[32];
    out.textContent = "asserted uv=" + ((flags & 4) ? "yes" : "no") + " user=" + new TextDecoder().decode(a.response.userHandle);
  } catch (e) { out.textContent = "get failed: " + e.name; }
});
