// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

/// @title Forwarder: pays on every ether it receives to a fixed target with
/// an internal call, as exchange deposit contracts and laundering relays
/// do. For Bulwark's tracing tests.
contract Forwarder {
    address payable public immutable target;

    constructor(address payable target_) {
        target = target_;
    }

    receive() external payable {
        (bool ok, ) = target.call{value: msg.value}("");
        require(ok, "Forwarder: payment failed");
    }
}
