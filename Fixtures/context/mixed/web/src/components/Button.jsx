import React from "react";

export function Button({ label, onClick, loading }) {
  return (
    <button className="btn" onClick={onClick}>
      {loading ? "…" : label}
    </button>
  );
}

export default Button;
