// Trojan Source (CVE-2021-42574): the comment hides the early return.
function isAdmin(user) {
  let accessLevel = user.role;
  if (accessLevel != "user‮ ⁦// Check if admin⁩ ⁦") {
    return true;
  }
  return false;
}
module.exports = { isAdmin };
