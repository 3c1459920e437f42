// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

/// @dev The transaction guard interface of Safe 1.3.0 to 1.5.0 (Guard,
/// renamed ITransactionGuard in 1.5.0; Enum.Operation is a uint8 in the
/// ABI). Its ERC-165 interface id, 0xe6d7a83a, is what Safe 1.4.1 and later
/// require from setGuard.
interface ITransactionGuard {
    function checkTransaction(
        address to,
        uint256 value,
        bytes calldata data,
        uint8 operation,
        uint256 safeTxGas,
        uint256 baseGas,
        uint256 gasPrice,
        address gasToken,
        address payable refundReceiver,
        bytes calldata signatures,
        address msgSender
    ) external;

    function checkAfterExecution(bytes32 hash, bool success) external;
}

/// @title TestGuard: a Safe transaction guard that allows everything and
/// counts the transactions it saw, so tests can tell it is installed.
contract TestGuard is ITransactionGuard {
    /// @notice Number of checkTransaction calls.
    uint256 public checked;
    /// @notice Number of checkAfterExecution calls.
    uint256 public afterChecked;

    function checkTransaction(
        address,
        uint256,
        bytes calldata,
        uint8,
        uint256,
        uint256,
        uint256,
        address,
        address payable,
        bytes calldata,
        address
    ) external override {
        checked++;
    }

    function checkAfterExecution(bytes32, bool) external override {
        afterChecked++;
    }

    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(ITransactionGuard).interfaceId || interfaceId == 0x01ffc9a7; // ERC-165
    }
}
