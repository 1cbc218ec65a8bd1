"""Privacy masks on screen (issue 18): the tile entries and the mask editor."""
