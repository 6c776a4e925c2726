/**
 * The parts of @pulumi/gcp this project uses, imported module by module. The package's index
 * pulls in the type definitions of every Google Cloud service (about 2,000 files), which made
 * the type-check a second slower; the modules themselves are the same.
 */
export * as cloudrunv2 from "@pulumi/gcp/cloudrunv2";
export * as compute from "@pulumi/gcp/compute";
export * as iam from "@pulumi/gcp/iam";
export * as iap from "@pulumi/gcp/iap";
export * as kms from "@pulumi/gcp/kms";
export * as projects from "@pulumi/gcp/projects";
export * as secretmanager from "@pulumi/gcp/secretmanager";
export * as serviceaccount from "@pulumi/gcp/serviceaccount";
export * as storage from "@pulumi/gcp/storage";
export * as organizations from "@pulumi/gcp/organizations";
