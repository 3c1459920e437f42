// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

interface IERC20 {
    function balanceOf(address) external view returns (uint256);
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// @title TestDEX: a constant-product pool of ether and one ERC-20 token,
/// for Bulwark's tracing tests (a swap moves one asset in and another out
/// in the same transaction, as on Uniswap).
/// @notice Liquidity is added by paying ether to the pool and sending it
/// tokens. No fee.
contract TestDEX {
    IERC20 public immutable token;

    event Swap(address indexed sender, uint256 amountIn, uint256 amountOut, bool ethIn, address indexed to);

    constructor(address token_) {
        token = IERC20(token_);
    }

    receive() external payable {}

    /// @notice Swaps the ether paid for tokens, sent to `to`.
    function swapETHForTokens(uint256 minOut, address to) external payable returns (uint256 out) {
        uint256 reserveETH = address(this).balance - msg.value;
        uint256 reserveToken = token.balanceOf(address(this));
        out = (msg.value * reserveToken) / (reserveETH + msg.value);
        require(out >= minOut && out > 0, "TestDEX: too little out");
        require(token.transfer(to, out), "TestDEX: token transfer failed");
        emit Swap(msg.sender, msg.value, out, true, to);
    }

    /// @notice Swaps amountIn tokens (approved to the pool) for ether, paid
    /// to `to` with an internal call.
    function swapTokensForETH(uint256 amountIn, uint256 minOut, address payable to) external returns (uint256 out) {
        uint256 reserveToken = token.balanceOf(address(this));
        uint256 reserveETH = address(this).balance;
        require(token.transferFrom(msg.sender, address(this), amountIn), "TestDEX: token transfer failed");
        out = (amountIn * reserveETH) / (reserveToken + amountIn);
        require(out >= minOut && out > 0, "TestDEX: too little out");
        (bool ok, ) = to.call{value: out}("");
        require(ok, "TestDEX: payment failed");
        emit Swap(msg.sender, amountIn, out, false, to);
    }
}
