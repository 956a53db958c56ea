# Every module names the provider's source (without it Terraform would look for
# hashicorp/yandex); the version is pinned once, in the root module.
terraform {
  required_providers {
    yandex = {
      source = "yandex-cloud/yandex"
    }
  }
}
