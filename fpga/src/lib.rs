//! Placeholder: board top levels, open synthesis and place-and-route flows, and the host link.
//! Nothing is implemented yet.
