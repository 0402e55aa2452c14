// The one schema of both backends. Keep it in step with
// migrations/sqlite and migrations/postgres.

diesel::table! {
    users (id) {
        id -> Integer,
        username -> Text,
        display_name -> Text,
        password_hash -> Text,
        admin -> Bool,
        active -> Bool,
        modified_at -> BigInt,
        role -> Text,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Integer,
        user_id -> Integer,
        name -> Text,
        token_hash -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        revoked -> Bool,
    }
}

diesel::table! {
    sessions (id) {
        id -> Integer,
        token_hash -> Text,
        user_id -> Integer,
        created_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    models (id) {
        id -> Integer,
        name -> Text,
        description -> Text,
        metadata -> Text,
        labels -> Text,
        notes -> Text,
        archived -> Bool,
        workspace_id -> Integer,
        user_id -> Integer,
        creation_time -> BigInt,
        last_updated_time -> BigInt,
        num_versions -> Integer,
        last_version -> Integer,
    }
}

diesel::table! {
    model_labels (model_id, label) {
        model_id -> Integer,
        label -> Text,
    }
}

diesel::table! {
    checkpoints (id) {
        id -> Integer,
        uuid -> Text,
        task_id -> Text,
        report_time -> BigInt,
        resources -> Text,
        metadata -> Text,
        state -> Text,
        training -> Text,
        storage -> Text,
        external_uri -> Text,
        updated_at -> BigInt,
    }
}

diesel::table! {
    checkpoint_files (checkpoint_id, path) {
        checkpoint_id -> Integer,
        path -> Text,
        size -> BigInt,
        sha256 -> Text,
        blob_key -> Text,
    }
}

diesel::table! {
    model_versions (id) {
        id -> Integer,
        model_id -> Integer,
        version -> Integer,
        checkpoint_id -> Integer,
        name -> Text,
        comment -> Text,
        notes -> Text,
        metadata -> Text,
        labels -> Text,
        creation_time -> BigInt,
        last_updated_time -> BigInt,
        user_id -> Integer,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(models -> users (user_id));
diesel::joinable!(model_labels -> models (model_id));
diesel::joinable!(model_versions -> models (model_id));
diesel::joinable!(model_versions -> checkpoints (checkpoint_id));
diesel::joinable!(model_versions -> users (user_id));
diesel::joinable!(checkpoint_files -> checkpoints (checkpoint_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    sessions,
    api_tokens,
    models,
    model_labels,
    checkpoints,
    checkpoint_files,
    model_versions,
);
