// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

interface IERC1155Receiver {
    function onERC1155Received(address operator, address from, uint256 id, uint256 value, bytes calldata data) external returns (bytes4);

    function onERC1155BatchReceived(address operator, address from, uint256[] calldata ids, uint256[] calldata values, bytes calldata data)
        external
        returns (bytes4);
}

/// @title TestERC1155: a minimal ERC-1155 multi-token for Bulwark's tracing
/// tests.
/// @notice Anyone may mint. Transfers emit TransferSingle and TransferBatch
/// as the standard says and call a contract recipient's acceptance hook. A
/// transfer of zero needs no approval (as in some deployed tokens), so tests
/// can script the zero-value "transfers" of address poisoning.
contract TestERC1155 {
    mapping(uint256 => mapping(address => uint256)) private balances;
    mapping(address => mapping(address => bool)) public isApprovedForAll;

    event TransferSingle(address indexed operator, address indexed from, address indexed to, uint256 id, uint256 value);
    event TransferBatch(address indexed operator, address indexed from, address indexed to, uint256[] ids, uint256[] values);
    event ApprovalForAll(address indexed account, address indexed operator, bool approved);

    function balanceOf(address account, uint256 id) external view returns (uint256) {
        return balances[id][account];
    }

    function setApprovalForAll(address operator, bool approved) external {
        isApprovedForAll[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    /// @notice Creates value of token id for to.
    function mint(address to, uint256 id, uint256 value) external {
        balances[id][to] += value;
        emit TransferSingle(msg.sender, address(0), to, id, value);
        _accept(address(0), to, id, value);
    }

    /// @notice Creates values[i] of token ids[i] for to, in one event.
    function mintBatch(address to, uint256[] calldata ids, uint256[] calldata values) external {
        require(ids.length == values.length, "TestERC1155: length mismatch");
        for (uint256 i = 0; i < ids.length; i++) {
            balances[ids[i]][to] += values[i];
        }
        emit TransferBatch(msg.sender, address(0), to, ids, values);
        _acceptBatch(address(0), to, ids, values);
    }

    function safeTransferFrom(address from, address to, uint256 id, uint256 value, bytes calldata) external {
        require(to != address(0), "TestERC1155: transfer to the zero address");
        require(value == 0 || from == msg.sender || isApprovedForAll[from][msg.sender], "TestERC1155: not approved");
        _move(from, to, id, value);
        emit TransferSingle(msg.sender, from, to, id, value);
        _accept(from, to, id, value);
    }

    function safeBatchTransferFrom(address from, address to, uint256[] calldata ids, uint256[] calldata values, bytes calldata) external {
        require(to != address(0), "TestERC1155: transfer to the zero address");
        require(ids.length == values.length, "TestERC1155: length mismatch");
        require(from == msg.sender || isApprovedForAll[from][msg.sender], "TestERC1155: not approved");
        for (uint256 i = 0; i < ids.length; i++) {
            _move(from, to, ids[i], values[i]);
        }
        emit TransferBatch(msg.sender, from, to, ids, values);
        _acceptBatch(from, to, ids, values);
    }

    function _move(address from, address to, uint256 id, uint256 value) private {
        uint256 balance = balances[id][from];
        require(balance >= value, "TestERC1155: balance exceeded");
        unchecked {
            balances[id][from] = balance - value;
        }
        balances[id][to] += value;
    }

    function _accept(address from, address to, uint256 id, uint256 value) private {
        if (to.code.length > 0) {
            bytes4 got = IERC1155Receiver(to).onERC1155Received(msg.sender, from, id, value, "");
            require(got == IERC1155Receiver.onERC1155Received.selector, "TestERC1155: rejected");
        }
    }

    function _acceptBatch(address from, address to, uint256[] calldata ids, uint256[] calldata values) private {
        if (to.code.length > 0) {
            bytes4 got = IERC1155Receiver(to).onERC1155BatchReceived(msg.sender, from, ids, values, "");
            require(got == IERC1155Receiver.onERC1155BatchReceived.selector, "TestERC1155: rejected");
        }
    }
}
