{
  description = "Log in with PayPal appliance: a sealed, measured-boot GCP image built reproducibly";

  # Pinned by flake.lock to nixos-24.11 at 50ab793786d9de88ee30ec4e4c24fb4236fc2674
  # (see docs/image.md for where the narHash comes from).
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";

  outputs = { self, nixpkgs }:
    let
      system = "x86_64-linux";
      pkgs = import nixpkgs { inherit system; };
      appliance = import ./nix/default.nix {
        inherit pkgs;
        src = self;
        # Every timestamp in the image: the commit time of this source tree.
        epoch = self.lastModified or 1;
      };
    in
    {
      packages.${system} = appliance.packages // {
        default = appliance.packages.gce-image;
      };
      devShells.${system}.default = appliance.devShell;
      checks.${system} = appliance.checks;
      apps.${system} = appliance.apps // {
        default = appliance.apps.run-local;
      };
    };
}
