// SPDX-License-Identifier: MIT
// A minimal ERC-721 for tokengate's onchain tests: ownerOf (reverts for a
// token that does not exist, as the standard says), balanceOf, transferFrom
// by the owner, and mint by the deployer. Not for real use.
pragma solidity 0.8.30;

contract TestERC721 {
    address private immutable minter;
    mapping(uint256 => address) private owners;
    mapping(address => uint256) public balanceOf;

    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);

    constructor() {
        minter = msg.sender;
    }

    function ownerOf(uint256 tokenId) external view returns (address) {
        address o = owners[tokenId];
        require(o != address(0), "ERC721: nonexistent token");
        return o;
    }

    function mint(address to, uint256 tokenId) external {
        require(msg.sender == minter, "not minter");
        require(to != address(0) && owners[tokenId] == address(0), "bad mint");
        owners[tokenId] = to;
        balanceOf[to] += 1;
        emit Transfer(address(0), to, tokenId);
    }

    function transferFrom(address from, address to, uint256 tokenId) external {
        require(owners[tokenId] == from && msg.sender == from && to != address(0), "bad transfer");
        owners[tokenId] = to;
        balanceOf[from] -= 1;
        balanceOf[to] += 1;
        emit Transfer(from, to, tokenId);
    }
}
