// SPDX-License-Identifier: MIT
// A minimal ERC-20 for tokengate's onchain tests: balanceOf, decimals (set
// at deployment), transfer, and mint by the deployer. Not for real use.
pragma solidity 0.8.30;

contract TestERC20 {
    uint8 public immutable decimals;
    address private immutable owner;
    mapping(address => uint256) public balanceOf;

    event Transfer(address indexed from, address indexed to, uint256 value);

    constructor(uint8 decimals_) {
        decimals = decimals_;
        owner = msg.sender;
    }

    function mint(address to, uint256 amount) external {
        require(msg.sender == owner, "not owner");
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        require(balanceOf[msg.sender] >= amount, "balance");
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
        emit Transfer(msg.sender, to, amount);
        return true;
    }
}
