use punctaj_core::permissions::Access;
use punctaj_supabase::{SendOptions, SupabaseClient, SupabaseError};

/// Who the signed-in account is and what it was granted (`rpc/my_access`).
pub async fn my_access(
    client: &SupabaseClient,
    options: SendOptions,
) -> Result<Access, SupabaseError> {
    let request = client
        .rest()
        .rpc("my_access", &serde_json::json!({}))?
        .build();
    client.execute_with(request, options).await?.json()
}
