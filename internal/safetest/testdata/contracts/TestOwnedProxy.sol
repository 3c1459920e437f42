// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

/// @title TestOwnedProxy: a protocol contract a Safe owns, for Bulwark's
/// chain tests of the calls that hand over a contract.
/// @notice Ownable (owner, transferOwnership) and upgradeable in the UUPS
/// style (upgradeToAndCall): the calls Radiant's attackers had the
/// protocol's owners sign. It does not forward calls to its
/// implementation; upgradeToAndCall records it, and delegatecalls it with
/// data when data is not empty.
contract TestOwnedProxy {
    address public owner;
    address public implementation;

    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event Upgraded(address indexed implementation);

    constructor(address initialOwner) {
        owner = initialOwner;
        emit OwnershipTransferred(address(0), initialOwner);
    }

    modifier onlyOwner() {
        require(msg.sender == owner, "TestOwnedProxy: not the owner");
        _;
    }

    function transferOwnership(address newOwner) external onlyOwner {
        require(newOwner != address(0), "TestOwnedProxy: zero owner");
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    function upgradeToAndCall(address newImplementation, bytes calldata data) external payable onlyOwner {
        implementation = newImplementation;
        emit Upgraded(newImplementation);
        if (data.length > 0) {
            (bool ok, ) = newImplementation.delegatecall(data);
            require(ok, "TestOwnedProxy: call failed");
        }
    }
}
