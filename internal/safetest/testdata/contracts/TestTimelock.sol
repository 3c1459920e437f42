// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

/// @title TestTimelock: a timelock with OpenZeppelin TimelockController's
/// interface, for Bulwark's chain tests of timelock operations.
/// @notice schedule, execute, updateDelay, getMinDelay and hashOperation
/// behave as TimelockController's (one proposer, anyone may execute; no
/// batches, no cancel, no roles): a Safe that is the proposer schedules a
/// call, and after the delay the timelock makes it.
contract TestTimelock {
    uint256 private constant DONE = 1;

    uint256 public getMinDelay;
    address public proposer;
    mapping(bytes32 => uint256) public timestamps;

    event CallScheduled(bytes32 indexed id, uint256 indexed index, address target, uint256 value, bytes data, bytes32 predecessor, uint256 delay);
    event CallExecuted(bytes32 indexed id, uint256 indexed index, address target, uint256 value, bytes data);
    event MinDelayChange(uint256 oldDuration, uint256 newDuration);

    constructor(uint256 minDelay, address proposer_) {
        getMinDelay = minDelay;
        proposer = proposer_;
    }

    function hashOperation(address target, uint256 value, bytes calldata data, bytes32 predecessor, bytes32 salt) public pure returns (bytes32) {
        return keccak256(abi.encode(target, value, data, predecessor, salt));
    }

    function schedule(address target, uint256 value, bytes calldata data, bytes32 predecessor, bytes32 salt, uint256 delay) external {
        require(msg.sender == proposer, "TestTimelock: not the proposer");
        require(delay >= getMinDelay, "TestTimelock: insufficient delay");
        bytes32 id = hashOperation(target, value, data, predecessor, salt);
        require(timestamps[id] == 0, "TestTimelock: operation already scheduled");
        timestamps[id] = block.timestamp + delay;
        emit CallScheduled(id, 0, target, value, data, predecessor, delay);
    }

    function execute(address target, uint256 value, bytes calldata payload, bytes32 predecessor, bytes32 salt) external payable {
        bytes32 id = hashOperation(target, value, payload, predecessor, salt);
        uint256 at = timestamps[id];
        require(at > DONE && at <= block.timestamp, "TestTimelock: operation is not ready");
        timestamps[id] = DONE;
        (bool ok, ) = target.call{value: value}(payload);
        require(ok, "TestTimelock: underlying transaction reverted");
        emit CallExecuted(id, 0, target, value, payload);
    }

    function updateDelay(uint256 newDelay) external {
        require(msg.sender == address(this), "TestTimelock: caller must be timelock");
        emit MinDelayChange(getMinDelay, newDelay);
        getMinDelay = newDelay;
    }
}
