// SPDX-License-Identifier: MIT
// A minimal ERC-1155 for tokengate's onchain tests: balanceOf(account, id),
// safeTransferFrom by the holder (to accounts, no receiver hook), and mint
// by the deployer. Not for real use.
pragma solidity 0.8.30;

contract TestERC1155 {
    address private immutable minter;
    mapping(uint256 => mapping(address => uint256)) private balances;

    event TransferSingle(address indexed operator, address indexed from, address indexed to, uint256 id, uint256 value);

    constructor() {
        minter = msg.sender;
    }

    function balanceOf(address account, uint256 id) external view returns (uint256) {
        return balances[id][account];
    }

    function mint(address to, uint256 id, uint256 amount) external {
        require(msg.sender == minter, "not minter");
        balances[id][to] += amount;
        emit TransferSingle(msg.sender, address(0), to, id, amount);
    }

    function safeTransferFrom(address from, address to, uint256 id, uint256 amount, bytes calldata) external {
        require(msg.sender == from && to != address(0), "bad transfer");
        require(balances[id][from] >= amount, "balance");
        balances[id][from] -= amount;
        balances[id][to] += amount;
        emit TransferSingle(msg.sender, from, to, id, amount);
    }
}
